// Word lists behind the language grader's fallback for very short answers (one to three words), where
// character n-gram statistics have too little text to go on: function words of each language, plus the
// short content words an answer to a simple question is most often made of (numbers, days, months,
// colours, greetings, common adjectives). Lower case, accents kept. A word spelled the same in both
// languages ("no", "a", "hotel", "animal") is dropped from both when the sets are built, so it counts as
// evidence for neither.

const ENGLISH = `
the a an this that these those it its is are was were be been being am do does did done have has had
of to in on at by for from with without about into over under after before between through during
and or but if so because than then as not yes yeah okay ok please thanks thank hello hi goodbye bye
i you he she we they me him her us them my your his our their mine yours what which who whom whose
where when why how there here all any some many much more most few each every other another such only
can could will would shall should may might must just very also too again still already never always
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand
first second third last next
monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december
red blue green yellow black white orange purple pink brown grey gray
hot cold warm cool big small large little long short high low fast slow good bad new old young happy
sad easy hard light dark full empty open closed early late wet dry right wrong true false same different
day week month year time today tomorrow yesterday morning night evening water fire earth sun moon
people man woman child world house city country word number answer question
isn't aren't don't doesn't can't won't it's that's i'm you're there's let's
once era
`;

const SPANISH = `
el la los las lo un una unos unas este esta estos estas ese esa eso esto aquel aquella
es son era eran fue fueron ser estar está están estoy estás soy eres somos hay ha han he has había
a de del al en con sin sobre entre hasta desde hacia para por según durante contra tras ante bajo
y e o u pero sino porque pues como cuando donde mientras si ni que qué quien quién cual cuál cuánto
cuántos cuántas cómo dónde cuándo también tampoco muy más menos mucho mucha muchos muchas poco poca
pocos pocas todo toda todos todas otro otra otros otras cada algún alguno alguna ningún ninguno nada
yo tú él ella nosotros nosotras vosotros ellos ellas usted ustedes mi mis tu tus su sus nuestro nuestra
me te se nos os le les ya aún todavía nunca siempre aquí allí ahí hoy mañana ayer ahora luego después
antes sí gracias hola adiós favor vale claro bueno buena buenos buenas
uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis
diecisiete dieciocho diecinueve veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa cien
ciento mil primero primera segundo segunda tercero tercera último última siguiente
lunes martes miércoles jueves viernes sábado domingo
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
rojo roja azul verde amarillo amarilla negro negra blanco blanca naranja morado morada rosa marrón gris
caliente frío fría grande pequeño pequeña largo larga corto corta alto alta bajo baja rápido rápida
lento lenta malo mala nuevo nueva viejo vieja joven feliz triste fácil difícil claro oscuro oscura lleno
llena vacío vacía abierto abierta cerrado cerrada temprano tarde mojado seco seca verdadero falso igual
día semana mes año tiempo noche agua fuego tierra sol luna gente hombre mujer niño niña mundo casa
ciudad país palabra número respuesta pregunta
`;

function wordSet(text: string): Set<string> {
  return new Set(text.split(/\s+/).filter((w) => w !== ''));
}

const english = wordSet(ENGLISH);
const spanish = wordSet(SPANISH);
for (const w of [...english]) {
  if (spanish.has(w)) {
    english.delete(w);
    spanish.delete(w);
  }
}

/** English words that are not also Spanish words. */
export const ENGLISH_WORDS: ReadonlySet<string> = english;
/** Spanish words that are not also English words. */
export const SPANISH_WORDS: ReadonlySet<string> = spanish;
