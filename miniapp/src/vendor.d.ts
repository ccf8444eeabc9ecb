declare module "signalsmith-stretch" {
  const SignalsmithStretch: (ctx: AudioContext, options?: AudioWorkletNodeOptions) => Promise<AudioNode>;
  export default SignalsmithStretch;
}
declare module "hls.js/light" {
  export { default } from "hls.js";
}
