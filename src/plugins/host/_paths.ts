import { join } from "node:path";

export const PLUGINS_DIR = join(".clockwork", "plugins");

export function installedDir(configDir: string, name: string): string {
  return join(configDir, PLUGINS_DIR, name);
}

export function installedEntryPath(configDir: string, name: string, entry: string): string {
  return join(installedDir(configDir, name), entry);
}
