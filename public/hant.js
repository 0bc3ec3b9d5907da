// 繁體中文: converts the page under <html lang="zh-Hant"> as it is drawn, with hant.json
// (scripts/hant.py, from OpenCC): the longest phrase first (up to four characters), else each
// character. A text or attribute under another [lang] (a language's own name) stays as it is.
// Loaded by index.html only for those who read Traditional Chinese.
const rules = await (await fetch(new URL("hant.json", import.meta.url))).json();
const html = document.documentElement;
const attributes = ["aria-label", "alt", "title", "placeholder"];

const convert = (text) => {
  let out = "";
  for (let i = 0, n; i < text.length; i += n) {
    for (n = 4; n > 1 && !rules.phrases[text.substr(i, n)]; n--);
    out += n > 1 ? rules.phrases[text.substr(i, n)] : rules.chars[text[i]] || text[i];
  }
  return out;
};

// One text node, or one element's own attributes. Writes only what changes: each write comes
// back to the observer, and converting converted text changes nothing (the tests check it).
const one = (node) => {
  const element = node.nodeType == 1 ? node : node.parentElement;
  if (!element || element.closest("[lang]") != html) return;
  if (node.nodeType == 3) {
    const text = convert(node.data);
    if (text != node.data) node.data = text;
    return;
  }
  for (const name of attributes) {
    const value = node.getAttribute(name);
    const text = value && convert(value);
    if (text && text != value) node.setAttribute(name, text);
  }
};

const draw = (node) => {
  one(node);
  for (let walk = document.createTreeWalker(node, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT), at; (at = walk.nextNode()); ) one(at);
};

document.title = convert(document.title);
draw(document.body);
new MutationObserver((records) => {
  for (const record of records) record.type == "childList" ? record.addedNodes.forEach(draw) : one(record.target);
}).observe(document.body, { childList: true, subtree: true, characterData: true, attributeFilter: attributes });
