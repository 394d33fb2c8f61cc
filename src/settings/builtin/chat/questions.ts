// Simple questions with known answers, for the chat settings: arithmetic, letter counts, capitals,
// days and months, opposites and colours, each with a reference answer sentence in English and in
// Spanish. Generated from the templates and word lists below (ours), so a setting's hundreds of
// prompts, their targets and the capability questions come from one seeded draw.
import { between, pick, type Draw } from './draw.js';

export interface Question {
  /** The question's identity across templates' wording: family and item (`plus:37:48`). */
  key: string;
  /** The question, in English. */
  text: string;
  /** A reference answer: one sentence in English, and the same sentence in Spanish. */
  english: string;
  spanish: string;
  /** What the chat-answer grader compares against (`meta.answer`), read as `format`. */
  answer: string;
  format: 'number' | 'word';
}

const fill = (template: string, values: Record<string, string | number>): string => template.replace(/\{(\w+)\}/g, (_m, k: string) => String(values[k]));

/** [English name, Spanish name, capital in English, capital in Spanish]. */
export const COUNTRIES: readonly (readonly [string, string, string, string])[] = [
  ['France', 'Francia', 'Paris', 'París'], ['Japan', 'Japón', 'Tokyo', 'Tokio'], ['Italy', 'Italia', 'Rome', 'Roma'],
  ['Egypt', 'Egipto', 'Cairo', 'El Cairo'], ['Canada', 'Canadá', 'Ottawa', 'Ottawa'], ['Kenya', 'Kenia', 'Nairobi', 'Nairobi'],
  ['Peru', 'Perú', 'Lima', 'Lima'], ['Norway', 'Noruega', 'Oslo', 'Oslo'], ['Spain', 'España', 'Madrid', 'Madrid'],
  ['Greece', 'Grecia', 'Athens', 'Atenas'], ['Germany', 'Alemania', 'Berlin', 'Berlín'], ['Portugal', 'Portugal', 'Lisbon', 'Lisboa'],
  ['Russia', 'Rusia', 'Moscow', 'Moscú'], ['China', 'China', 'Beijing', 'Pekín'], ['Mexico', 'México', 'Mexico City', 'Ciudad de México'],
  ['Argentina', 'Argentina', 'Buenos Aires', 'Buenos Aires'], ['Chile', 'Chile', 'Santiago', 'Santiago'], ['Colombia', 'Colombia', 'Bogotá', 'Bogotá'],
  ['Australia', 'Australia', 'Canberra', 'Canberra'], ['Sweden', 'Suecia', 'Stockholm', 'Estocolmo'], ['Poland', 'Polonia', 'Warsaw', 'Varsovia'],
  ['Austria', 'Austria', 'Vienna', 'Viena'], ['Hungary', 'Hungría', 'Budapest', 'Budapest'], ['Ireland', 'Irlanda', 'Dublin', 'Dublín'],
  ['Turkey', 'Turquía', 'Ankara', 'Ankara'], ['Thailand', 'Tailandia', 'Bangkok', 'Bangkok'], ['Cuba', 'Cuba', 'Havana', 'La Habana'],
  ['Morocco', 'Marruecos', 'Rabat', 'Rabat'], ['Finland', 'Finlandia', 'Helsinki', 'Helsinki'], ['Denmark', 'Dinamarca', 'Copenhagen', 'Copenhague'],
  ['Belgium', 'Bélgica', 'Brussels', 'Bruselas'], ['Switzerland', 'Suiza', 'Bern', 'Berna'], ['the Netherlands', 'los Países Bajos', 'Amsterdam', 'Ámsterdam'],
  ['Vietnam', 'Vietnam', 'Hanoi', 'Hanói'], ['South Korea', 'Corea del Sur', 'Seoul', 'Seúl'], ['Ecuador', 'Ecuador', 'Quito', 'Quito'],
  ['Venezuela', 'Venezuela', 'Caracas', 'Caracas'], ['Uruguay', 'Uruguay', 'Montevideo', 'Montevideo'], ['Nigeria', 'Nigeria', 'Abuja', 'Abuja'],
  ['Ghana', 'Ghana', 'Accra', 'Acra'], ['Iran', 'Irán', 'Tehran', 'Teherán'], ['Indonesia', 'Indonesia', 'Jakarta', 'Yakarta'],
  ['the Philippines', 'Filipinas', 'Manila', 'Manila'], ['New Zealand', 'Nueva Zelanda', 'Wellington', 'Wellington'], ['Cambodia', 'Camboya', 'Phnom Penh', 'Nom Pen'],
  ['Senegal', 'Senegal', 'Dakar', 'Dakar'],
];

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const DIAS = ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'] as const;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;
const MESES = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'] as const;

/** [English, its opposite, Spanish, its opposite]. */
export const OPPOSITES: readonly (readonly [string, string, string, string])[] = [
  ['hot', 'cold', 'caliente', 'frío'], ['big', 'small', 'grande', 'pequeño'], ['fast', 'slow', 'rápido', 'lento'],
  ['up', 'down', 'arriba', 'abajo'], ['early', 'late', 'temprano', 'tarde'], ['full', 'empty', 'lleno', 'vacío'],
  ['open', 'closed', 'abierto', 'cerrado'], ['wet', 'dry', 'mojado', 'seco'], ['happy', 'sad', 'feliz', 'triste'],
  ['easy', 'difficult', 'fácil', 'difícil'], ['old', 'young', 'viejo', 'joven'], ['high', 'low', 'alto', 'bajo'],
  ['long', 'short', 'largo', 'corto'], ['rich', 'poor', 'rico', 'pobre'], ['strong', 'weak', 'fuerte', 'débil'],
  ['thick', 'thin', 'grueso', 'delgado'], ['loud', 'quiet', 'ruidoso', 'silencioso'], ['clean', 'dirty', 'limpio', 'sucio'],
  ['true', 'false', 'verdadero', 'falso'], ['inside', 'outside', 'dentro', 'fuera'], ['before', 'after', 'antes', 'después'],
  ['first', 'last', 'primero', 'último'], ['day', 'night', 'día', 'noche'], ['north', 'south', 'norte', 'sur'],
  ['east', 'west', 'este', 'oeste'], ['left', 'right', 'izquierda', 'derecha'], ['buy', 'sell', 'comprar', 'vender'],
  ['win', 'lose', 'ganar', 'perder'], ['push', 'pull', 'empujar', 'tirar'], ['sweet', 'sour', 'dulce', 'agrio'],
];

/** [thing, colour, the Spanish sentence saying so]. */
const COLOURS: readonly (readonly [string, string, string])[] = [
  ['snow', 'white', 'La nieve es blanca.'], ['fresh grass', 'green', 'La hierba fresca es verde.'],
  ['a clear daytime sky', 'blue', 'Un cielo despejado de día es azul.'], ['a ripe banana', 'yellow', 'Un plátano maduro es amarillo.'],
  ['coal', 'black', 'El carbón es negro.'], ['a ripe tomato', 'red', 'Un tomate maduro es rojo.'], ['milk', 'white', 'La leche es blanca.'],
  ['a lemon', 'yellow', 'Un limón es amarillo.'], ['blood', 'red', 'La sangre es roja.'], ['dark chocolate', 'brown', 'El chocolate negro es marrón.'],
  ['a carrot', 'orange', 'Una zanahoria es naranja.'], ['a lime', 'green', 'Una lima es verde.'], ['charcoal', 'black', 'El carbón vegetal es negro.'],
  ['an eggplant', 'purple', 'Una berenjena es morada.'], ['the sea on a sunny day', 'blue', 'El mar en un día soleado es azul.'],
];

/** Words whose letters are counted (no animals among them: the animal setting reads animal words). */
const COUNTED_WORDS: readonly string[] = (
  'window garden planet yellow bridge candle doctor engine forest guitar island jacket kitchen ladder market ' +
  'needle orange pencil question rocket silver teacher umbrella village winter basket castle dinner energy ' +
  'festival harbour journey kingdom library machine notebook picture river sandwich theatre uniform volcano ' +
  'weather airport balloon cabinet diamond fountain history internet keyboard lantern mountain ' +
  'network painting quarter rainbow shadow triangle universe vacation whistle zipper morning evening holiday'
)
  .split(' ');

type Family = (draw: Draw) => Question;

const plus: Family = (draw) => {
  const a = between(draw, 11, 99);
  const b = between(draw, 11, 99);
  const t = pick(draw, ['What is {a} plus {b}?', 'What is {a} + {b}?', 'Add {a} and {b}.', 'What do you get when you add {a} and {b}?', 'Compute {a} + {b}.']);
  const c = a + b;
  return { key: `plus:${a}:${b}`, text: fill(t, { a, b }), english: `${a} plus ${b} is ${c}.`, spanish: `${a} más ${b} son ${c}.`, answer: String(c), format: 'number' };
};

const minus: Family = (draw) => {
  const a = between(draw, 30, 199);
  let b = between(draw, 11, a - 1);
  if (a - b === b) b -= 1; // the answer must not be one of the question's numbers
  const t = pick(draw, ['What is {a} minus {b}?', 'What is {a} - {b}?', 'Subtract {b} from {a}.', 'What is left when you take {b} away from {a}?']);
  const c = a - b;
  return { key: `minus:${a}:${b}`, text: fill(t, { a, b }), english: `${a} minus ${b} is ${c}.`, spanish: `${a} menos ${b} son ${c}.`, answer: String(c), format: 'number' };
};

const times: Family = (draw) => {
  const a = between(draw, 3, 12);
  const b = between(draw, 11, 25);
  const t = pick(draw, ['What is {a} times {b}?', 'What is {a} multiplied by {b}?', 'Multiply {a} by {b}.', 'What is {a} x {b}?']);
  const c = a * b;
  return { key: `times:${a}:${b}`, text: fill(t, { a, b }), english: `${a} times ${b} is ${c}.`, spanish: `${a} por ${b} son ${c}.`, answer: String(c), format: 'number' };
};

const letters: Family = (draw) => {
  const w = pick(draw, COUNTED_WORDS);
  const t = pick(draw, ['How many letters are in the word "{w}"?', 'Count the letters in "{w}".', 'How many letters does the word "{w}" have?']);
  return { key: `letters:${w}`, text: fill(t, { w }), english: `The word "${w}" has ${w.length} letters.`, spanish: `La palabra "${w}" tiene ${w.length} letras.`, answer: String(w.length), format: 'number' };
};

const CAPITAL_TEMPLATES = ['What is the capital of {c}?', 'Which city is the capital of {c}?', 'Name the capital city of {c}.'] as const;

function capitalOf([country, pais, city, ciudad]: (typeof COUNTRIES)[number], template: string): Question {
  return {
    key: `capital:${country}`,
    text: fill(template, { c: country }),
    english: `The capital of ${country} is ${city}.`,
    spanish: `La capital de ${pais} es ${ciudad}.`,
    answer: city,
    format: 'word',
  };
}

const capital: Family = (draw) => capitalOf(pick(draw, COUNTRIES), pick(draw, CAPITAL_TEMPLATES));

const weekday: Family = (draw) => {
  const i = between(draw, 0, 6);
  const after = draw() < 0.5;
  const j = (i + (after ? 1 : 6)) % 7;
  const text = after ? `What day of the week comes after ${DAYS[i]}?` : `What day of the week comes before ${DAYS[i]}?`;
  const english = `The day ${after ? 'after' : 'before'} ${DAYS[i]} is ${DAYS[j]}.`;
  const spanish = after ? `El día después del ${DIAS[i]} es el ${DIAS[j]}.` : `El día anterior al ${DIAS[i]} es el ${DIAS[j]}.`;
  return { key: `day:${i}:${after}`, text, english, spanish, answer: DAYS[j]!, format: 'word' };
};

const month: Family = (draw) => {
  const i = between(draw, 0, 11);
  const after = draw() < 0.5;
  const j = (i + (after ? 1 : 11)) % 12;
  const text = after ? `Which month comes after ${MONTHS[i]}?` : `Which month comes before ${MONTHS[i]}?`;
  const english = `The month ${after ? 'after' : 'before'} ${MONTHS[i]} is ${MONTHS[j]}.`;
  const spanish = after ? `El mes después de ${MESES[i]} es ${MESES[j]}.` : `El mes anterior a ${MESES[i]} es ${MESES[j]}.`;
  return { key: `month:${i}:${after}`, text, english, spanish, answer: MONTHS[j]!, format: 'word' };
};

const opposite: Family = (draw) => {
  const [a, b, x, y] = pick(draw, OPPOSITES);
  const flip = draw() < 0.5;
  const [w, o, ws, os] = flip ? [b, a, y, x] : [a, b, x, y];
  const t = pick(draw, ['What is the opposite of "{w}"?', 'Give the opposite of the word "{w}".', 'What word means the opposite of "{w}"?']);
  return { key: `opposite:${w}`, text: fill(t, { w }), english: `The opposite of "${w}" is "${o}".`, spanish: `Lo contrario de "${ws}" es "${os}".`, answer: o, format: 'word' };
};

const colour: Family = (draw) => {
  const [thing, c, spanish] = pick(draw, COLOURS);
  const t = pick(draw, ['What colour is {t}?', 'What color is {t}?', 'Which colour is {t} usually?']);
  const subject = thing.charAt(0).toUpperCase() + thing.slice(1);
  return { key: `colour:${thing}`, text: fill(t, { t: thing }), english: `${subject} is ${c}.`, spanish, answer: c, format: 'word' };
};

/** The families and their weights: arithmetic has the most distinct items, the others the variety. */
const FAMILIES: readonly (readonly [Family, number])[] = [
  [plus, 3], [minus, 2], [times, 2], [letters, 2], [capital, 2], [weekday, 1], [month, 1], [opposite, 2], [colour, 1],
];
const TOTAL_WEIGHT = FAMILIES.reduce((s, [, w]) => s + w, 0);

/** One question drawn from the families by weight. */
export function drawQuestion(draw: Draw): Question {
  let u = draw() * TOTAL_WEIGHT;
  for (const [family, weight] of FAMILIES) {
    if ((u -= weight) < 0) return family(draw);
  }
  return FAMILIES[FAMILIES.length - 1]![0](draw);
}

/** A question drawn only from the families whose answer is a number (arithmetic, letter counts). */
export function drawNumberQuestion(draw: Draw): Question {
  return pick(draw, [plus, plus, minus, times, letters])(draw);
}

/** The capital question of one country, for hand-written gold answers. */
export function capitalQuestion(country: string): Question {
  const entry = COUNTRIES.find((c) => c[0] === country);
  if (entry === undefined) throw new Error(`no country ${country} in the list`);
  return capitalOf(entry, CAPITAL_TEMPLATES[0]);
}

/** The addition question `a plus b`, for hand-written gold answers. */
export function plusQuestion(a: number, b: number): Question {
  return { key: `plus:${a}:${b}`, text: `What is ${a} plus ${b}?`, english: `${a} plus ${b} is ${a + b}.`, spanish: `${a} más ${b} son ${a + b}.`, answer: String(a + b), format: 'number' };
}
