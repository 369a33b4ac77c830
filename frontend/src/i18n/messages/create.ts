import { defineMessages } from "./define";

// Owned by the create feature.
export default defineMessages({}, {});
