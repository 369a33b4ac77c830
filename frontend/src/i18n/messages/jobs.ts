import { defineMessages } from "./define";

// Owned by the jobs feature.
export default defineMessages({}, {});
