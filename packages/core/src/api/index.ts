export type * from "./types.ts";
export { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, ZONE_LABEL } from "./types.ts";
