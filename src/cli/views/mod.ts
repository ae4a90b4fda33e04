/**
 * Rendering helpers shared by every command: colour tags, JSON documents and
 * event streams, tables, redaction, progress and confirmation prompts.
 */
export {
  ansiPaint,
  diagnosticPaint,
  type Paint,
  painter,
  plainPaint,
  stderrPainter,
  stripAnsi,
  type Style,
  visibleWidth,
} from "./paint.ts";
export { type EventType, EventWriter, eventWriter, FORMAT_VERSION, jsonOut } from "./json.ts";
export { formatValue, SENSITIVE_TEXT, toJsonValue, UNKNOWN_TEXT } from "./redact.ts";
export { mark, renderTable, type TableOptions } from "./table.ts";
export { Progress, progress } from "./progress.ts";
export { type Answer, approve, confirm } from "./confirm.ts";
export { usageError } from "./usage.ts";
