// Split points per document type, most significant first (the recursive splitter tries them in
// this order). They are Vectra 0.15's lists: the same input must give the same chunks.

const NEWLINES = ['\n\n', '\n'];
const nl = (...words: string[]): string[] => words.map((w) => `\n${w} `);
const REGION = ['// LLM-REGION', '/* LLM-REGION', '/** LLM-REGION'];

const BY_TYPE: Record<string, string[]> = {
  cpp: [...nl('class', 'void', 'int', 'float', 'double', 'if', 'for', 'while', 'switch', 'case'), ...NEWLINES],
  go: [...nl('func', 'var', 'const', 'type', 'if', 'for', 'switch', 'case'), ...NEWLINES],
  java: [
    ...REGION,
    ...nl('class', 'public', 'protected', 'private', 'static', 'if', 'for', 'while', 'switch', 'case'),
    ...NEWLINES,
    ' ',
  ],
  js: [
    ...REGION,
    ...nl('class', 'function', 'const', 'let', 'var', 'class', 'if', 'for', 'while', 'switch', 'case', 'default'),
    ...NEWLINES,
  ],
  php: [...nl('function', 'class', 'if', 'foreach', 'while', 'do', 'switch', 'case'), ...NEWLINES],
  proto: [...nl('message', 'service', 'enum', 'option', 'import', 'syntax'), ...NEWLINES],
  python: [...nl('class', 'def'), '\n\tdef ', ...NEWLINES],
  rst: ['\n===\n', '\n---\n', '\n***\n', '\n.. ', ...NEWLINES],
  ruby: [...nl('def', 'class', 'if', 'unless', 'while', 'for', 'do', 'begin', 'rescue'), ...NEWLINES],
  rust: [...nl('fn', 'const', 'let', 'if', 'while', 'for', 'loop', 'match', 'const'), ...NEWLINES],
  scala: [...nl('class', 'object', 'def', 'val', 'var', 'if', 'for', 'while', 'match', 'case'), ...NEWLINES],
  swift: [...nl('func', 'class', 'struct', 'enum', 'if', 'for', 'while', 'do', 'switch', 'case'), ...NEWLINES],
  markdown: [
    ...['##', '###', '####', '#####', '######'].map((h) => `\n${h} `),
    '```\n\n',
    '\n\n***\n\n',
    '\n\n---\n\n',
    '\n\n___\n\n',
    '<table>',
    ...NEWLINES,
  ],
  latex: [
    ...['chapter{', 'section{', 'subsection{', 'subsubsection{'].map((c) => `\n\\${c}`),
    ...['enumerate', 'itemize', 'description', 'list', 'quote', 'quotation', 'verse', 'verbatim', 'align'].map(
      (env) => `\n\\begin{${env}}`,
    ),
    ...NEWLINES,
  ],
  html: [
    'body', 'div', 'p', 'br', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'span', 'table', 'tr', 'td', 'th',
    'ul', 'ol', 'header', 'footer', 'nav', 'head', 'style', 'script', 'meta', 'title',
  ].map((tag) => `<${tag}>`),
  sol: [
    ...nl('pragma', 'using', 'contract', 'interface', 'library', 'constructor', 'type', 'function', 'event',
      'modifier', 'error', 'struct', 'enum', 'if', 'for', 'while'),
    '\ndo while ',
    '\nassembly ',
    ...NEWLINES,
  ],
};

const ALIASES: Record<string, string> = {
  'c#': 'java', csharp: 'java', cs: 'java', ts: 'java', tsx: 'java', typescript: 'java',
  jsx: 'js', javascript: 'js', py: 'python', md: 'markdown',
};

/** The separators for a document type (a file extension or a language name). */
export function separatorsFor(docType: string | undefined): string[] {
  let key = docType ?? '';
  if (Object.hasOwn(ALIASES, key)) key = ALIASES[key];
  return [...(Object.hasOwn(BY_TYPE, key) ? BY_TYPE[key] : NEWLINES)];
}
