// The .prompt template language: parse, analyse, render, count tokens, and the editor helpers over them.
export * from './diagnostics';
export * from './variables';
export { parsePromptFile, sectionTemplates, lineIndexOf } from './parse';
export type { ParsedPrompt, PromptSection, Role } from './parse';
export { FRONT_MATTER_KEYS } from './frontMatter';
export type { PromptFrontMatter, PromptParams } from './frontMatter';
export { analyzePrompt, promptDiagnostics } from './analyze';
export { renderPrompt, renderVariables, buildPromptVariables, isoDate } from './render';
export type { PromptRenderInfo } from './render';
export { builtinTemplates, readPromptTemplate, loadPromptTemplate } from './templates';
export { sampleCase, SAMPLE_INFO } from './samples';
export { DISABLED_TAGS, filterNames, tagNames } from './engine';
export {
  tokenizerFor,
  loadEncoding,
  loadChatTokenizer,
  countTokens,
  estimateCost,
  expectedAnswerTokens,
} from './tokens';
export type {
  TokenizerEncoding,
  TokenizerChoice,
  TokenCount,
  CountedMessage,
  ChatTokenizer,
  TokenPrice,
} from './tokens';
export { completionsAt, hoverAt } from './editor';
export type { CompletionItem, HoverResult, HoverContext } from './editor';
export { previewPrompt } from './preview';
export type { PreviewOptions, PromptPreview, EvalEstimate } from './preview';
