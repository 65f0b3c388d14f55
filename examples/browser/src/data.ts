// Generates the demo's items: a few thousand plausible recipe titles with metadata, from small
// word lists and a seeded random generator (same items on every machine).

export interface Recipe extends Record<string, string | number> {
  title: string;
  category: string;
  cuisine: string;
  minutes: number;
}

export const CATEGORIES = [
  'soup',
  'salad',
  'curry',
  'pasta',
  'stew',
  'bake',
  'bowl',
  'tacos',
  'pie',
];

const STYLES = [
  'smoky',
  'spicy',
  'creamy',
  'crispy',
  'zesty',
  'roasted',
  'garlicky',
  'herby',
  'sticky',
  'charred',
  'golden',
  'tangy',
  'rustic',
  'quick',
  'slow-cooked',
  'sweet',
];
const MAINS = [
  'lentil',
  'chickpea',
  'tomato',
  'mushroom',
  'pumpkin',
  'chicken',
  'salmon',
  'tofu',
  'aubergine',
  'sweet potato',
  'spinach',
  'beef',
  'prawn',
  'cauliflower',
  'black bean',
  'leek',
  'courgette',
  'halloumi',
  'pork',
  'beetroot',
  'fennel',
  'squash',
  'pea',
  'cod',
];
const EXTRAS = [
  'cumin',
  'coconut',
  'lemon',
  'ginger',
  'miso',
  'chorizo',
  'feta',
  'basil',
  'harissa',
  'tahini',
  'chilli',
  'smoked paprika',
  'parmesan',
  'lime',
  'sesame',
  'saffron',
  'rosemary',
  'yoghurt',
  'peanut',
  'walnut',
];
const CUISINES = [
  'Moroccan',
  'Thai',
  'Italian',
  'Mexican',
  'Indian',
  'Japanese',
  'Greek',
  'Spanish',
  'Korean',
  'French',
  'Lebanese',
  'British',
];

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function generateRecipes(count: number): Recipe[] {
  const next = random(42);
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)];
  return Array.from({ length: count }, () => {
    const category = pick(CATEGORIES);
    const cuisine = pick(CUISINES);
    const title = `${pick(STYLES)} ${pick(MAINS)} ${category} with ${pick(EXTRAS)}`;
    return {
      title: title[0].toUpperCase() + title.slice(1),
      category,
      cuisine,
      minutes: 10 + Math.floor(next() * 24) * 5,
    };
  });
}
