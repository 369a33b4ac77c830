import { defineMessages } from "./define";

// Owned by the shell feature.
export default defineMessages({}, {});
