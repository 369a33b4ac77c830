import { defineMessages } from "./define";

// Owned by the gallery feature.
export default defineMessages({}, {});
