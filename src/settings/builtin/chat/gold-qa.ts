// Gold answers for the capability grader every chat setting shares (`qa`: simple questions without a
// system prompt, graded by chat-answer against the question's answer).
import type { GoldAnswer } from '../../../graders/validation.js';
import { answerMeta, withSystem } from './common.js';
import { capitalQuestion, plusQuestion, type Question } from './questions.js';

function prompt(id: string, q: Question) {
  return { id, messages: withSystem(null, q.text), meta: answerMeta(q) };
}

export function qaGold(): GoldAnswer[] {
  const sum = prompt('qa-gold-sum', plusQuestion(37, 48));
  const capital = prompt('qa-gold-capital', capitalQuestion('Peru'));
  const items: [string, typeof sum, string, 'correct' | 'incorrect', string][] = [
    ['sum-sentence', sum, '37 plus 48 is 85.', 'correct', 'the sum in a sentence'],
    ['sum-bare', sum, '85', 'correct', 'the number alone'],
    ['sum-restated', sum, '85 is the sum of 37 and 48.', 'correct', 'the question\'s numbers come last: they are not the answer'],
    ['sum-equation', sum, '37 + 48 = 85', 'correct', 'an equation'],
    ['sum-explicit', sum, 'Adding the tens gives 70 and the units 15, so the answer is 85.', 'correct', 'working shown: the number after "the answer is" counts'],
    ['sum-spanish', sum, 'Son 85.', 'correct', 'right in another language'],
    ['sum-wrong', sum, '37 plus 48 is 86.', 'incorrect', 'off by one'],
    ['sum-refusal', sum, 'I am not able to do arithmetic.', 'incorrect', 'no number: not the right answer'],
    ['sum-empty', sum, '', 'incorrect', 'empty answer'],
    ['capital-sentence', capital, 'The capital of Peru is Lima.', 'correct', 'the city in a sentence'],
    ['capital-case', capital, 'LIMA', 'correct', 'case does not matter'],
    ['capital-wrong', capital, 'Quito.', 'incorrect', 'a neighbour\'s capital'],
    ['capital-unsure', capital, 'I am not sure, sorry.', 'incorrect', 'no city'],
    ['capital-inside-word', capital, 'The capital is Limassol.', 'incorrect', 'Lima only as part of another word'],
  ];
  return items.map(([id, p, completion, label, note]) => ({ id: `qa-${id}`, grader: 'qa', prompt: p, completion, label, note }));
}
