/**
 * What the state schema cannot say: a serial is a count, every resource
 * address is one the configuration language can produce, and each is
 * recorded once. A document (or journal record) that breaks one of these was
 * edited by hand; it passes its checksum when the editor recomputed it, so
 * these checks are what stop it (a duplicated address would otherwise make
 * the planner track one object as two, and a malformed one is planned for
 * destruction).
 */
import type { State, StateResource } from "./types.ts";

/** A name in an address: a resource type, a resource or module name (as HCL identifiers). */
const NAME = String.raw`[\p{ID_Start}_][\p{ID_Continue}-]*`;
/** An instance key: `[0]` or a JSON string `["blue"]`. */
const KEY = String.raw`\[(?:\d+|"(?:[^"\\]|\\.)*")\]`;
/** The suffix a replaced object's record carries while it awaits deletion (plan/_diff.ts). */
const DEPOSED = "#deposed";

const RESOURCE_ADDRESS = new RegExp(
  String.raw`^(?:module\.${NAME}(?:${KEY})?\.)*(${NAME})\.${NAME}(?:${KEY})?(?:${DEPOSED})?$`,
  "u",
);

/** The resource type an address names, or null when it is not a resource address. */
export function addressType(address: string): string | null {
  const match = RESOURCE_ADDRESS.exec(address);
  return match ? match[1] : null;
}

/** What is wrong with one resource record, or null. `where` prefixes the message (`resources[2]`). */
export function resourceProblem(resource: StateResource, where: string): string | null {
  const type = addressType(resource.address);
  if (type === null) {
    return `${where}.address: ${
      JSON.stringify(resource.address)
    } is not a resource address (TYPE.NAME, with an optional [KEY], inside optional module.NAME. prefixes)`;
  }
  if (type !== resource.type) {
    return `${where}.type: ${JSON.stringify(resource.type)} does not match its address ${
      JSON.stringify(resource.address)
    }, which names a ${JSON.stringify(type)}`;
  }
  return null;
}

/** Every rule a schema-valid state breaks, one line each (empty when none). */
export function stateProblems(state: State): string[] {
  const problems: string[] = [];
  if (!Number.isSafeInteger(state.serial) || state.serial < 0) {
    problems.push(`serial: must be a whole number of at least 0, not ${state.serial}`);
  }
  const firstAt = new Map<string, number>();
  state.resources.forEach((resource, i) => {
    const problem = resourceProblem(resource, `resources[${i}]`);
    if (problem !== null) problems.push(problem);
    const earlier = firstAt.get(resource.address);
    if (earlier === undefined) firstAt.set(resource.address, i);
    else {
      problems.push(
        `resources[${i}].address: ${
          JSON.stringify(resource.address)
        } is recorded twice (also resources[${earlier}])`,
      );
    }
  });
  return problems;
}
