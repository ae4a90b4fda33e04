import { deepEqual } from "node:assert/strict";
import { parseDurationText } from "./mod.ts";

Deno.test("durations: Go's forms, compound ones included; anything else is null", () => {
  const cases: [string, number | null][] = [
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["2m30s", 150_000],
    [" 1m ", 60_000],
    ["0s", 0],
    ["1h 30m", null],
    ["30", null],
    ["s", null],
    ["-5s", null],
    ["1d", null],
    ["", null],
  ];
  deepEqual(cases.map(([text]) => [text, parseDurationText(text)]), cases);
});
