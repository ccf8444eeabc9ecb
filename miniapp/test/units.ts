// The pure modules under unit test, bundled for Node by `npm run test:unit` (vite build --ssr).
export * from "../src/music";
export { fromHash, routeOfStartParam } from "../src/launch";
export { afterItem, deviceId, queueSignature, ServerQueue } from "../src/player/queue";
export { InOrder, NewestRead } from "../src/player/ordering";
export { humanMessage } from "../src/api/errors";
export { TokenBook } from "../src/api/tokens";
export { parse as parseRoute } from "../src/router";
