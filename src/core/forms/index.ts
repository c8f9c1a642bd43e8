// Task forms: one module per form behind one interface (types.ts), and the registry the rest of the engine
// asks. The built-in four register here, in this order (the order of pickers and help texts).
import { binaryForm } from './binary';
import { choiceForm } from './choice';
import { rankingForm } from './ranking';
import { ratingForm } from './rating';
import { completionForm } from './completion';
import { recallForm } from './recall';
import { registerForm } from './registry';

registerForm(ratingForm);
registerForm(binaryForm);
registerForm(choiceForm);
registerForm(rankingForm);
registerForm(recallForm);
registerForm(completionForm);

export * from './types';
export {
  registerForm,
  unregisterForm,
  getForm,
  hasForm,
  formIds,
  forms,
  formList,
  expectedText,
  predictionText,
  diffExpectedText,
  wrongText,
  UnknownFormError,
} from './registry';
export { candidateLabel, labelIndex, normaliseTitle, labelOfTitle, readLabel } from './candidates';
export { ndcgAt, rankingCutoffs, STANDARD_CUTOFFS } from './ranking';
export { scaleMidpoint } from './rating';
export { ECE_BINS } from './binary';
