// Short English and Spanish answers with their language, for measuring the language grader
// (language.test.ts; the figures are in src/graders/README.md). Written as a chat model answers simple
// questions: 40 one-word, 40 two- or three-word and 40 longer answers in each language (240 in all),
// with the capitalisation and punctuation answers come with, names of places and people, numbers
// written as digits, and words that look alike across the two languages. Words spelled the same in both
// languages and meaning the same ("no", "hotel", "chocolate") are left out on their own: their language
// cannot be told.
import type { ChatLanguage } from './language-id.js';

const ENGLISH_ONE = `Yes. | Seven | Tuesday. | Blue | Thanks! | Paris. | Cold. | Twelve | Water | Hello!
| Goodbye. | Correct. | Wrong. | Green. | Friday | Eighteen. | Mercury. | Tomorrow. | Certainly! | Never.
| Honey. | Sunday. | Dark. | Happy | Empty. | Winter. | Forty-two. | Sure. | Sorry. | Always.
| Yellow. | Thursday | Late. | Slow. | Twenty. | Lightning. | Breakfast. | August. | Shakespeare | Wednesday!`;

const ENGLISH_TWO = `The capital. | Thank you. | Good morning! | It's seven. | Of course. | Not really. | Very cold.
| Twelve months. | Next Tuesday. | The Pacific. | Absolutely right! | No, thanks. | I agree. | Red and blue.
| Nine planets. | Light brown. | It's Tokyo. | See you! | Too late. | Every day. | Happy birthday! | Well done.
| Right here. | Not yet. | The answer: 85. | Almost there. | Fifty-six. | Good night. | Quite warm. | Two hours.
| My pleasure. | The blue whale. | Definitely not. | In July. | About twenty. | Dry sand. | Just once.
| Hot coffee. | Three sisters. | Please wait.`;

const ENGLISH_LONG = `The capital of Peru is Lima.
| Thirty-seven plus forty-eight is 85.
| The day after Monday is Tuesday.
| There are seven letters in the word "example".
| Snow is white because it reflects all colours of light.
| I think the answer is probably Madrid, but I am not completely sure.
| The opposite of early is late.
| Water boils at 100 degrees Celsius at sea level.
| Sure! Here is a short answer: the largest ocean on Earth is the Pacific.
| August comes after July.
| Romeo and Juliet was written by William Shakespeare.
| Multiply 12 by 7 and you get 84.
| The word "banana" has six letters.
| Bees make honey from the nectar of flowers.
| Yes, that is correct.
| The sun rises in the east and sets in the west.
| My favourite colour is green.
| Mars is often called the red planet.
| I'm sorry, but I can't help with that request.
| Grass looks green because of chlorophyll.
| The meeting is on Thursday at three o'clock.
| You should drink more water when it is hot outside.
| Gold has the chemical symbol Au.
| It will probably rain tomorrow afternoon.
| The capital of Argentina is Buenos Aires.
| Seventeen minus nine equals eight.
| Cairo is the largest city in Egypt.
| A week has seven days and a year has twelve months.
| Let me check: 45 divided by 5 is 9.
| That sounds like a great plan for the weekend.
| The train leaves at half past six.
| Ice is simply frozen water.
| We visited Barcelona and Sevilla last summer.
| Please send me the report before Friday.
| The library opens at nine in the morning.
| Their house is next to the river.
| Portuguese is the language spoken in Brazil.
| The opposite of "full" is "empty".
| Jupiter is the largest planet in our solar system.
| Thanks for asking, I'm doing well today.`;

const SPANISH_ONE = `Sí. | Siete | Martes. | Azul | ¡Gracias! | París. | Frío. | Doce | Agua | ¡Hola!
| Adiós. | Correcto. | Incorrecto. | Verde. | Viernes | Dieciocho. | Mercurio. | Mañana. | ¡Claro! | Nunca.
| Miel. | Domingo. | Oscuro. | Feliz | Vacío. | Invierno. | Cuarenta. | Vale. | Perdón. | Siempre.
| Amarillo. | Jueves | Tarde. | Lento. | Veinte. | Relámpago. | Desayuno. | Agosto. | Cervantes | ¡Miércoles!`;

const SPANISH_TWO = `La capital. | Muchas gracias. | ¡Buenos días! | Son siete. | Por supuesto. | No mucho. | Muy frío.
| Doce meses. | El martes. | El Pacífico. | ¡Exactamente así! | No, gracias. | Estoy de acuerdo. | Rojo y azul.
| Nueve planetas. | Marrón claro. | Es Tokio. | ¡Hasta luego! | Demasiado tarde. | Cada día. | ¡Feliz cumpleaños! | Bien hecho.
| Aquí mismo. | Todavía no. | La respuesta: 85. | Casi listo. | Cincuenta y seis. | Buenas noches. | Bastante cálido. | Dos horas.
| Con gusto. | La ballena azul. | Claro que no. | En julio. | Unos veinte. | Arena seca. | Solo una vez.
| Café caliente. | Tres hermanas. | Espera, por favor.`;

const SPANISH_LONG = `La capital de Perú es Lima.
| Treinta y siete más cuarenta y ocho son 85.
| El día después del lunes es el martes.
| La palabra "ejemplo" tiene siete letras.
| La nieve es blanca porque refleja todos los colores de la luz.
| Creo que la respuesta es Madrid, pero no estoy del todo seguro.
| Lo contrario de temprano es tarde.
| El agua hierve a 100 grados Celsius al nivel del mar.
| ¡Claro! Aquí tienes una respuesta corta: el océano más grande de la Tierra es el Pacífico.
| Agosto viene después de julio.
| Romeo y Julieta fue escrita por William Shakespeare.
| Si multiplicas 12 por 7 obtienes 84.
| La palabra "plátano" tiene siete letras.
| Las abejas hacen miel con el néctar de las flores.
| Sí, eso es correcto.
| El sol sale por el este y se pone por el oeste.
| Mi color favorito es el verde.
| A Marte se le llama a menudo el planeta rojo.
| Lo siento, pero no puedo ayudar con esa petición.
| La hierba es verde por la clorofila.
| La reunión es el jueves a las tres.
| Deberías beber más agua cuando hace calor.
| El oro tiene el símbolo químico Au.
| Probablemente lloverá mañana por la tarde.
| La capital de Argentina es Buenos Aires.
| Diecisiete menos nueve es igual a ocho.
| El Cairo es la ciudad más grande de Egipto.
| Una semana tiene siete días y un año tiene doce meses.
| Veamos: 45 dividido entre 5 es 9.
| Me parece un plan estupendo para el fin de semana.
| El tren sale a las seis y media.
| El hielo es simplemente agua congelada.
| Visitamos Boston y Chicago el verano pasado.
| Por favor, envíame el informe antes del viernes.
| La biblioteca abre a las nueve de la mañana.
| Su casa está junto al río.
| En Brasil se habla portugués.
| Lo contrario de "lleno" es "vacío".
| Júpiter es el planeta más grande de nuestro sistema solar.
| Gracias por preguntar, hoy estoy muy bien.`;

export interface LabelledAnswer {
  text: string;
  language: ChatLanguage;
  /** How the answer was written: one word, two or three words, or longer. */
  length: 'one word' | 'two or three words' | 'longer';
}

function answers(block: string, language: ChatLanguage, length: LabelledAnswer['length']): LabelledAnswer[] {
  return block.split('|').map((t) => ({ text: t.trim(), language, length }));
}

export const LABELLED_ANSWERS: readonly LabelledAnswer[] = [
  ...answers(ENGLISH_ONE, 'english', 'one word'),
  ...answers(ENGLISH_TWO, 'english', 'two or three words'),
  ...answers(ENGLISH_LONG, 'english', 'longer'),
  ...answers(SPANISH_ONE, 'spanish', 'one word'),
  ...answers(SPANISH_TWO, 'spanish', 'two or three words'),
  ...answers(SPANISH_LONG, 'spanish', 'longer'),
];
