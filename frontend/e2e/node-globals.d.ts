// The few Node globals the suite's TypeScript uses (the project has no @types/node; the Node
// work itself lives in platform.mjs).
declare const process: {
  env: Record<string, string | undefined>;
  getuid?: () => number;
};
