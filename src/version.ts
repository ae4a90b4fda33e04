/** The Clockwork release version; `clockwork version` prints it and plan files record it. */
export const VERSION = "0.1.0";
