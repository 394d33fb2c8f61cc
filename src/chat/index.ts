// Public surface of src/chat/: chat renderers (messages ⇄ tokens, loss weights) for real model families
// and for the microworld, by name, and the renderer a model id needs. Other folders import only from
// this file.
export { RENDERER_NAMES, MAX_CONTEXT_LENGTH, createRenderer, isRendererName, type RendererName, type RendererOptions } from './registry.js';
export { rendererNameFor } from './model-names.js';
export { microworldRenderer } from './microworld.js';
