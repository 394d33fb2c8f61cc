// Public surface of src/domain/: the ground-floor types and helpers shared by every layer.
export type { ChatMessage, Datum, GradeLabel, Json, Prompt, PromptCompletion, Renderer } from './types.js';
export { resolveModelPath } from './model-path.js';
