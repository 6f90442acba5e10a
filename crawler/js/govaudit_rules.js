// govaudit's own ACT rules, run in the loaded page like QualWeb's bundles (crawler/engines.py): rules
// no installed engine implements completely, written where the ACT rule's failed examples are
// structural or observable in the page (a focus that changes nothing). Returns [{rule, act, wcag, nodes:
// [{selector, html}], summary}], one entry per failing rule. Called with "zoomed" (crawler/engines.py, in a
// 640 × 512 viewport: 1280 × 1024 at 200 %), it runs only the rule that needs that viewport.
(function (phase) {
  // ARIA 1.2 §5.2.8.6 / 1.3: roles on which naming is prohibited; aria-roledescription is prohibited
  // on generic. A `none` / `presentation` role counts as written (ACT kb1m8s, failed example 5).
  var NAMING_PROHIBITED = ["caption", "code", "deletion", "emphasis", "generic", "insertion", "paragraph",
    "presentation", "none", "strong", "subscript", "superscript"];
  var DESCRIPTION_PROHIBITED = ["generic", "presentation", "none"];
  var NAMING = ["aria-label", "aria-labelledby", "aria-braillelabel"];
  var DESCRIPTION = ["aria-roledescription", "aria-brailleroledescription"];
  // HTML-AAM implicit roles of the elements whose role prohibits naming (others: not this rule's concern)
  var IMPLICIT = {div: "generic", span: "generic", b: "generic", i: "generic", u: "generic", small: "generic",
    bdi: "generic", bdo: "generic", samp: "generic", q: "generic", data: "generic", p: "paragraph",
    del: "deletion", s: "deletion", ins: "insertion", em: "emphasis", strong: "strong", sub: "subscript",
    sup: "superscript", code: "code", caption: "caption"};
  var ROLES = ("alert alertdialog application article banner blockquote button caption cell checkbox code " +
    "columnheader combobox comment complementary contentinfo definition deletion dialog document emphasis " +
    "feed figure form generic grid gridcell group heading img insertion link list listbox listitem log main " +
    "mark marquee math menu menubar menuitem menuitemcheckbox menuitemradio meter navigation none note option " +
    "paragraph presentation progressbar radio radiogroup region row rowgroup rowheader scrollbar search " +
    "searchbox separator slider spinbutton status strong subscript suggestion superscript switch tab table " +
    "tablist tabpanel term textbox time timer toolbar tooltip tree treegrid treeitem").split(" ");

  function role(el) {
    var tokens = (el.getAttribute("role") || "").trim().toLowerCase().split(/\s+/);
    for (var i = 0; i < tokens.length; i++) if (ROLES.indexOf(tokens[i]) >= 0) return tokens[i];
    var name = el.localName;
    if (name === "a" || name === "area") return el.hasAttribute("href") ? "link" : (name === "a" ? "generic" : "");
    return el.namespaceURI === "http://www.w3.org/1999/xhtml" ? (IMPLICIT[name] || "") : "";
  }

  function exposed(el) {  // included in the accessibility tree: rendered, visible, not aria-hidden
    for (var node = el; node && node.nodeType === 1; node = node.parentElement) {
      if ((node.getAttribute("aria-hidden") || "").trim().toLowerCase() === "true") return false;
    }
    return typeof el.checkVisibility !== "function" || el.checkVisibility({visibilityProperty: true});
  }

  function selector(el) {
    var parts = [];
    for (var node = el; node && node.nodeType === 1 && parts.length < 6; node = node.parentElement) {
      if (node.id) { parts.unshift("#" + CSS.escape(node.id)); break; }
      var index = 1;
      for (var sib = node.previousElementSibling; sib; sib = sib.previousElementSibling)
        if (sib.localName === node.localName) index++;
      parts.unshift(node.localName + ":nth-of-type(" + index + ")");
    }
    return parts.join(" > ");
  }

  function openingTag(el) {
    var html = el.outerHTML || "";
    var end = html.indexOf(">");
    return (end >= 0 ? html.slice(0, end + 1) : html).slice(0, 400);
  }

  if (phase === "zoomed") return zoomed();
  var out = [];
  var found = [];
  var attrs = NAMING.concat(DESCRIPTION);
  var query = attrs.map(function (a) { return "[" + a + "]"; }).join(",");
  document.querySelectorAll(query).forEach(function (el) {
    if (!exposed(el)) return;
    var r = role(el);
    var bad = attrs.filter(function (a) {
      if (!el.hasAttribute(a)) return false;
      return NAMING.indexOf(a) >= 0 ? NAMING_PROHIBITED.indexOf(r) >= 0 : DESCRIPTION_PROHIBITED.indexOf(r) >= 0;
    });
    if (bad.length) {
      found.push({selector: selector(el), html: openingTag(el),
                  summary: bad.join(", ") + " is prohibited on an element with the role " + r});
    }
  });
  if (found.length) out.push({rule: "ga-aria-prohibited", act: ["kb1m8s"], wcag: [], nodes: found,
                             help: "ARIA global properties not used where prohibited"});

  // ACT oj04fd (WCAG 2.4.7): an element in sequential focus navigation whose focus paints nothing. The
  // rule's test is a pixel difference anywhere in the viewport; this reads it from what can paint: the
  // computed styles of the element, its pseudo-elements, ancestors, subtree and siblings, and any DOM
  // change a focus handler makes (an indicator drawn by script). Only an element whose focus changes
  // none of these is then compared over the whole document, and flagged if nothing changed there either.
  var PAINT = ["outline-style", "outline-width", "outline-color", "outline-offset", "box-shadow",
    "border-top-style", "border-top-width", "border-top-color", "border-right-style", "border-right-width",
    "border-right-color", "border-bottom-style", "border-bottom-width", "border-bottom-color",
    "border-left-style", "border-left-width", "border-left-color", "background-color", "background-image",
    "color", "text-decoration-line", "text-decoration-style", "text-decoration-color",
    "text-decoration-thickness", "text-shadow", "font-weight", "font-style", "font-size", "opacity",
    "visibility", "display", "transform", "filter", "width", "height", "top", "left", "content", "clip-path"];
  var MAX_ELEMENTS = 3000;  // a larger document is not compared whole: its candidates are not flagged
  var MAX_CONFIRM = 25;     // candidates per page: each is compared over the whole document
  // a caret is a visible change of its own: text entry is never flagged
  var TEXT_ENTRY = /^(|text|search|url|tel|email|password|number|date|datetime-local|month|week|time)$/;

  function paint(el, pseudo) {
    var cs = getComputedStyle(el, pseudo);
    // an outline or a decoration that is not drawn paints nothing, whatever its other longhands say
    // (Chromium's focus style sets outline-offset, which `outline: none` leaves in place)
    var noOutline = cs.getPropertyValue("outline-style") === "none";
    var noLine = cs.getPropertyValue("text-decoration-line") === "none";
    return PAINT.map(function (p) {
      if (noOutline && p.indexOf("outline-") === 0 && p !== "outline-style") return "";
      if (noLine && p.indexOf("text-decoration-") === 0 && p !== "text-decoration-line") return "";
      return cs.getPropertyValue(p);
    }).join("|");
  }

  function nearby(el) {  // the element, its subtree, its siblings and its ancestors
    var set = [el];
    var sub = el.getElementsByTagName("*");
    for (var i = 0; i < sub.length && i < 30; i++) set.push(sub[i]);
    var parent = el.parentElement;
    for (var c = parent && parent.firstElementChild, n = 0; c && n < 20; c = c.nextElementSibling, n++) if (c !== el) set.push(c);
    for (var node = parent; node; node = node.parentElement) set.push(node);
    return set;
  }

  function snapshot(els, pseudos) {  // pseudo-elements of the first element only (the focused one)
    return els.map(function (e, i) {
      return pseudos && i === 0 ? paint(e, null) + paint(e, "::before") + paint(e, "::after") : paint(e, null);
    }).join("\n");
  }

  // elements alike in tag, class and parent are styled alike: once one of them shows its focus, the rest
  // are not examined (only a focus that changed something is taken as read for its look-alikes)
  function signature(el) {
    var p = el.parentElement;
    return el.localName + "." + el.className + "<" + (p ? p.localName + "." + p.className : "");
  }

  function focusable(el) {
    if (el.tabIndex < 0 || el.disabled || el.closest("[inert]") || !el.isConnected) return false;
    var name = el.localName;
    if (name === "iframe" || name === "frame" || name === "object" || name === "embed") return false;
    if (name === "textarea" || el.isContentEditable) return false;
    if (name === "input" && TEXT_ENTRY.test((el.getAttribute("type") || "").trim().toLowerCase())) return false;
    return typeof el.checkVisibility !== "function" || el.checkVisibility({visibilityProperty: true, opacityProperty: true});
  }

  function blurred() {
    var active = document.activeElement;
    if (active && active !== document.body && typeof active.blur === "function") active.blur();
  }

  var unfocused = [];
  var all = document.getElementsByTagName("*");
  if (document.documentElement && document.documentElement.namespaceURI === "http://www.w3.org/1999/xhtml") {
    var before = document.activeElement;
    var scroll = [window.scrollX, window.scrollY];
    var observer = new MutationObserver(function () {});
    observer.observe(document.documentElement, {attributes: true, childList: true, subtree: true, characterData: true});
    var candidates = [], shown = new Set();
    for (var i = 0; i < all.length && candidates.length < MAX_CONFIRM; i++) {
      var el = all[i];
      if (!focusable(el) || shown.has(signature(el))) continue;
      blurred();
      observer.takeRecords();
      var local = nearby(el);
      var quiet = snapshot(local, true);
      el.focus({preventScroll: true});
      if (document.activeElement !== el) continue;  // not focusable after all (or focus moved elsewhere)
      var changed = observer.takeRecords().length > 0 || snapshot(local, true) !== quiet;
      el.blur();
      observer.takeRecords();
      if (changed) shown.add(signature(el));
      else candidates.push(el);
    }
    if (candidates.length && all.length <= MAX_ELEMENTS) {
      var list = Array.prototype.slice.call(all);
      blurred();
      var baseline = snapshot(list, false);
      candidates.forEach(function (el) {
        observer.takeRecords();
        el.focus({preventScroll: true});
        var same = document.activeElement === el && observer.takeRecords().length === 0 && snapshot(list, false) === baseline;
        el.blur();
        if (same) unfocused.push({selector: selector(el), html: openingTag(el),
                                  summary: "focusing this element changes no style or content on the page"});
      });
    }
    observer.disconnect();
    blurred();
    if (before && before !== document.body && typeof before.focus === "function") before.focus({preventScroll: true});
    window.scrollTo(scroll[0], scroll[1]);
  }
  if (unfocused.length) out.push({rule: "ga-focus-visible", act: ["oj04fd"], wcag: ["2.4.7"], nodes: unfocused,
                                  help: "Element in sequential focus order has visible focus"});

  // ACT afw4f7 (1.4.3) and 09o5cg (1.4.6, AAA): text over a background gradient or image, which axe-core
  // leaves for review. The rules' expectation is the highest possible contrast, so text fails only when
  // every colour behind it is below the threshold. Colours read: a gradient's stops and samples between
  // them; a same-origin image's pixels behind the text's line boxes (drawn on a canvas); each composited
  // over the backgrounds beneath, and a semi-transparent text colour composited over each. What this
  // cannot read exactly (text shadows, opacity, boxes positioned or transformed between the text and its
  // background, sized or multi-layer backgrounds, cross-origin images) is left alone: no finding.
  var RGB = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/g;
  var MARGIN = 0.05;  // samples between gradient stops could miss a slightly higher contrast in between

  function rgba(text) {
    var m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(text.trim());
    return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
  }

  function over(top, below) {  // `top` composited over an opaque `below`
    var a = top[3];
    return [top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a), top[2] * a + below[2] * (1 - a), 1];
  }

  function luminance(c) {
    var lin = c.slice(0, 3).map(function (v) {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  }

  function ratio(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  function backdrop(el) {  // the opaque colour beneath `el`'s own background: its ancestors', then the canvas
    var layers = [];
    for (var node = el.parentElement; node; node = node.parentElement) {
      var c = rgba(getComputedStyle(node).backgroundColor);
      if (!c) return null;
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    var colour = [255, 255, 255, 1];
    for (var i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  }

  function gradientColours(image, below) {
    var stops = [], m;
    RGB.lastIndex = 0;
    while ((m = RGB.exec(image))) stops.push([+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]]);
    if (!stops.length || /currentcolor|color\(|hsl|lab|var\(/i.test(image)) return null;
    var out = [];
    for (var i = 0; i < stops.length; i++) {
      var next = stops[Math.min(i + 1, stops.length - 1)];
      for (var k = 0; k < 16; k++) {  // premultiplied interpolation, as Chromium paints it
        var t = k / 16, a = stops[i][3] * (1 - t) + next[3] * t, mix = [0, 0, 0, a];
        for (var ch = 0; ch < 3; ch++)
          mix[ch] = a ? (stops[i][ch] * stops[i][3] * (1 - t) + next[ch] * next[3] * t) / a : 0;
        out.push(over(mix, below));
      }
    }
    return out;
  }

  function imageColours(bgEl, cs, url, textRects, below) {
    if (cs.backgroundSize !== "auto" || cs.backgroundOrigin !== "padding-box" || cs.backgroundAttachment !== "scroll") return null;
    var repeat = cs.backgroundRepeat, pos = /^(-?[\d.]+)px (-?[\d.]+)px$/.exec(cs.backgroundPosition);
    if (!pos || (repeat !== "no-repeat" && repeat !== "repeat")) return null;
    var img = new Image();
    img.src = url;
    if (!img.complete || !img.naturalWidth) return null;  // not (yet) in the page's cache: not read
    var canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    var ctx = canvas.getContext("2d", {willReadFrequently: true});
    var data;
    try {
      ctx.drawImage(img, 0, 0);
      data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    } catch (e) {
      return null;  // a cross-origin image taints the canvas
    }
    var box = bgEl.getBoundingClientRect();
    var x0 = box.left + parseFloat(cs.borderLeftWidth) + parseFloat(pos[1]);
    var y0 = box.top + parseFloat(cs.borderTopWidth) + parseFloat(pos[2]);
    var w = canvas.width, h = canvas.height, out = [], uncovered = false;
    textRects.forEach(function (r) {
      for (var y = Math.floor(r.top); y < Math.ceil(r.bottom); y++) {
        for (var x = Math.floor(r.left); x < Math.ceil(r.right); x++) {
          var ix = x - Math.floor(x0), iy = y - Math.floor(y0);
          if (repeat === "repeat") { ix = ((ix % w) + w) % w; iy = ((iy % h) + h) % h; }
          if (ix < 0 || iy < 0 || ix >= w || iy >= h) { uncovered = true; continue; }
          var p = (iy * w + ix) * 4;
          out.push(over([data[p], data[p + 1], data[p + 2], data[p + 3] / 255], below));
        }
      }
    });
    if (uncovered) out.push(below);
    return out;
  }

  function layers(image) {  // background layers: commas outside parentheses separate them
    var depth = 0, count = 1;
    for (var i = 0; i < image.length; i++) {
      var ch = image[i];
      if (ch === "(") depth++;
      else if (ch === ")") depth--;
      else if (ch === "," && depth === 0) count++;
    }
    return count;
  }

  function textRects(el) {
    var rects = [];
    el.childNodes.forEach(function (n) {
      if (n.nodeType !== 3 || !n.data.trim()) return;
      var range = document.createRange();
      range.selectNodeContents(n);
      Array.prototype.forEach.call(range.getClientRects(), function (r) { if (r.width && r.height) rects.push(r); });
    });
    return rects;
  }

  function behind(el) {  // the element whose background image is behind el's text, or null if not exactly readable
    for (var node = el; node; node = node.parentElement) {
      var cs = getComputedStyle(node);
      if (cs.backgroundImage !== "none") return {el: node, cs: cs};
      var c = rgba(cs.backgroundColor);
      if (!c || c[3] > 0) return null;  // a colour first: axe-core's case
      if (cs.position === "absolute" || cs.position === "fixed" || cs.transform !== "none") return null;
    }
    return null;
  }

  var low = [], lowEnhanced = [];
  if (document.body && document.documentElement.namespaceURI === "http://www.w3.org/1999/xhtml") {
    var seen = new Set();
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (var t = walker.nextNode(); t; t = walker.nextNode()) {
      var host = t.parentElement;
      if (!host || seen.has(host) || !t.data.trim()) continue;
      seen.add(host);
      if (!exposed(host) || host.closest(":disabled, [aria-disabled=true], script, style, noscript, template")) continue;
      var hcs = getComputedStyle(host), fg = rgba(hcs.color);
      if (!fg || fg[3] === 0 || hcs.textShadow !== "none") continue;
      var bg = behind(host);
      if (!bg || layers(bg.cs.backgroundImage) !== 1) continue;
      var clear = true;
      for (var node = host; node && clear; node = node === bg.el ? null : node.parentElement)
        if (parseFloat(getComputedStyle(node).opacity) < 1 || getComputedStyle(node).filter !== "none") clear = false;
      var below = clear && backdrop(bg.el);
      if (!below) continue;
      var own = rgba(bg.cs.backgroundColor);
      if (!own) continue;
      below = over(own, below);
      var image = bg.cs.backgroundImage, colours;
      var url = /^url\("(.*)"\)$/.exec(image);
      if (url) colours = imageColours(bg.el, bg.cs, url[1], textRects(host), below);
      else if (/^(repeating-)?(linear|radial|conic)-gradient\(/.test(image)) colours = gradientColours(image, below);
      if (!colours || !colours.length) continue;
      var best = 0;
      colours.forEach(function (c) { best = Math.max(best, ratio(fg[3] < 1 ? over(fg, c) : fg, c)); });
      var size = parseFloat(hcs.fontSize), large = size >= 24 || (size >= 18.66 && parseInt(hcs.fontWeight, 10) >= 700);
      var item = {selector: selector(host), html: openingTag(host),
                  summary: "the highest contrast of the text colour with any colour of its background image or " +
                           "gradient is " + best.toFixed(2) + ":1"};
      if (best < (large ? 3 : 4.5) - MARGIN) low.push(item);
      if (best < (large ? 4.5 : 7) - MARGIN) lowEnhanced.push(item);
    }
  }
  // ACT 2ee8b8 (WCAG 2.5.3): a widget named by aria-label whose visible text is not in its name, by the
  // rule's label-in-name algorithm (drop parenthesised text, case-fold, NFKD, keep letters and digits, split
  // into words, then a contiguous-subsequence test). Left alone, as the rule's applicability excludes them
  // or they need judgement: names from aria-labelledby, abbreviations (a word ending in "." that begins a
  // word of the other text), spellings that differ only by hyphenation, text drawn by an icon font, a lone
  // "x". Han, kana, Hangul and Thai are compared character by character: word segmentation there is a
  // dictionary's guess, and characters are never stricter than words.
  var NAME_FROM_CONTENT = ["button", "checkbox", "gridcell", "link", "menuitem", "menuitemcheckbox", "menuitemradio",
    "option", "radio", "switch", "tab", "treeitem"];
  var BLOCK = /^(block|flex|grid|list-item|table|table-row|table-cell|table-caption|flow-root|table-row-group|table-header-group|table-footer-group)$/;
  var CJK = /[\u0E00-\u0E7F\u1100-\u11FF\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF66-\uFF9F]/;

  function widgetRole(el) {
    var tokens = (el.getAttribute("role") || "").trim().toLowerCase().split(/\s+/);
    for (var i = 0; i < tokens.length; i++) {
      if (ROLES.indexOf(tokens[i]) >= 0 && tokens[i] !== "none" && tokens[i] !== "presentation") return tokens[i];
    }
    var name = el.localName;
    if ((name === "a" || name === "area") && el.hasAttribute("href")) return "link";
    if (name === "button") return "button";
    if (name === "option") return "option";
    return "";
  }

  function hiddenVisually(el) {  // the visually-hidden patterns: rendered, but not a pixel of it is seen
    var cs = getComputedStyle(el);
    if (cs.display === "none" || parseFloat(cs.fontSize) === 0) return true;
    if (/^inset\(50%/.test(cs.clipPath) || /^rect\(0px,? 0px,? 0px,? 0px\)$/.test(cs.clip)) return true;
    var box = el.getBoundingClientRect();
    if (cs.overflow !== "visible" && cs.display !== "inline" && (box.width <= 1 || box.height <= 1)) return true;
    return box.right + window.scrollX < 0 || box.bottom + window.scrollY < 0;  // off the page
  }

  function visibleText(el, iconFont) {  // the visible inner text; word breaks where rendering breaks lines
    var text = "";
    el.childNodes.forEach(function (n) {
      if (n.nodeType === 3) {
        var cs = getComputedStyle(el);
        if (cs.visibility === "visible" && rgba(cs.color) && rgba(cs.color)[3] > 0 && !iconFont(cs)) text += n.data;
      } else if (n.nodeType === 1) {
        if (n.localName === "br") { text += " "; return; }
        if (hiddenVisually(n)) return;
        var block = BLOCK.test(getComputedStyle(n).display);
        text += (block ? " " : "") + visibleText(n, iconFont) + (block ? " " : "");
      }
    });
    return text;
  }

  function words(text, joinHyphens) {
    text = text.replace(/\([^()]*\)/g, " ").toLowerCase().normalize("NFKD");
    if (joinHyphens) text = text.replace(/[-\u2010\u2011]/g, "");
    var out = [];
    text.replace(/[^\p{L}\p{N}]+/gu, " ").trim().split(/\s+/).forEach(function (w) {
      if (!w) return;
      if (CJK.test(w)) Array.from(w).forEach(function (ch) { out.push(ch); });
      else out.push(w);
    });
    return out;
  }

  function contained(label, name) {
    if (!label.length) return true;
    for (var i = 0; i + label.length <= name.length; i++) {
      var ok = true;
      for (var k = 0; k < label.length && ok; k++) ok = label[k] === name[i + k];
      if (ok) return true;
    }
    return false;
  }

  function abbreviated(a, b) {  // a word of `a` written with a final "." that begins a longer word of `b`
    var found = false, m, re = /(\p{L}+)\./gu;
    var others = words(b, false);
    while ((m = re.exec(a.toLowerCase().normalize("NFKD")))) {
      var stem = m[1];
      if (others.some(function (w) { return w.length > stem.length && w.indexOf(stem) === 0; })) found = true;
    }
    return found;
  }

  var mismatched = [];
  if (document.documentElement.namespaceURI === "http://www.w3.org/1999/xhtml") {
    var iconFont = function (cs) { return /icon|symbol|awesome|glyph/i.test((cs.fontFamily.split(",")[0] || "")); };
    document.querySelectorAll("[aria-label]").forEach(function (el) {
      if (el.hasAttribute("aria-labelledby") || NAME_FROM_CONTENT.indexOf(widgetRole(el)) < 0 || !exposed(el)) return;
      var name = (el.getAttribute("aria-label") || "").trim();
      if (!name || hiddenVisually(el)) return;
      var raw = visibleText(el, iconFont);
      var label = words(raw, false);
      if (label.length === 1 && label[0] === "x") return;  // a close symbol, not text
      if (!label.length || contained(label, words(name, false)) || contained(words(raw, true), words(name, true))) return;
      if (abbreviated(raw, name) || abbreviated(name, raw)) return;
      mismatched.push({selector: selector(el), html: openingTag(el),
                       summary: "visible text \u201c" + raw.replace(/\s+/g, " ").trim().slice(0, 120) +
                                "\u201d is not in the accessible name \u201c" + name.slice(0, 120) + "\u201d"});
    });
  }
  if (mismatched.length) out.push({rule: "ga-label-in-name", act: ["2ee8b8"], wcag: ["2.5.3"], nodes: mismatched,
                                   help: "Visible label is part of accessible name"});

  if (low.length) out.push({rule: "ga-contrast-over-image", act: ["afw4f7"], wcag: ["1.4.3"], nodes: low,
                            help: "Text has minimum contrast (over a background image or gradient)"});
  if (lowEnhanced.length) out.push({rule: "ga-contrast-enhanced-over-image", act: ["09o5cg"], wcag: ["1.4.6"], aaa: true,
                                    nodes: lowEnhanced, help: "Text has enhanced contrast (over a background image or gradient)"});
  return out;

  // ACT 59br37 (WCAG 1.4.4): text clipped by an ancestor's overflow hidden / clip in a 640 × 512 viewport.
  // A line of text is clipped when the ancestors that scroll would show more of it than it shows with the
  // hidden ones too (by more than a quarter of the line, glyphs overhanging a tight line box are not
  // loss). The rule's exceptions: a one-line box whose line height is its height (vertical), a nowrap box
  // with an ellipsis (horizontal). Text nothing of which shows (a closed menu, another slide, a visually
  // hidden label) is not visible, so not tested; nor is text under a transformed box.
  function zoomed() {
    var XHTML = "http://www.w3.org/1999/xhtml", memo = new Map(), clipped = [];
    function boxes(el) {  // clip boxes of el and its ancestors below <body>: {x: [...], y: [...]} per kind
      if (!el || el === document.body || el === document.documentElement) return {hx: [], hy: [], ox: [], oy: [], bent: false};
      if (memo.has(el)) return memo.get(el);
      var up = boxes(el.parentElement), cs = getComputedStyle(el);
      var own = {hx: up.hx, hy: up.hy, ox: up.ox, oy: up.oy, bent: up.bent || cs.transform !== "none"};
      if (cs.overflowX !== "visible" || cs.overflowY !== "visible") {
        var r = el.getBoundingClientRect(), left = r.left + parseFloat(cs.borderLeftWidth), top = r.top + parseFloat(cs.borderTopWidth);
        var x = [left, left + el.clientWidth], y = [top, top + el.clientHeight];
        var lh = cs.lineHeight === "normal" ? 1.2 * parseFloat(cs.fontSize) : parseFloat(cs.lineHeight);
        var height = cs.overflowY === "clip" ? el.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom) : r.height;
        var hidden = /^(hidden|clip)$/;
        if (hidden.test(cs.overflowX)) {
          if (!(cs.whiteSpace === "nowrap" && cs.textOverflow !== "clip")) own.hx = up.hx.concat([x]);
        } else if (cs.overflowX !== "visible") own.ox = up.ox.concat([x]);
        if (hidden.test(cs.overflowY)) {
          if (Math.abs(lh - height) > 1) own.hy = up.hy.concat([y]);
        } else if (cs.overflowY !== "visible") own.oy = up.oy.concat([y]);
        own.any = true;
      }
      own.any = own.any || up.any;
      memo.set(el, own);
      return own;
    }
    function cut(span, clips) {  // length of [a, b] left inside every clip interval
      var a = span[0], b = span[1];
      clips.forEach(function (c) { a = Math.max(a, c[0]); b = Math.min(b, c[1]); });
      return Math.max(0, b - a);
    }
    if (!document.body || document.documentElement.namespaceURI !== XHTML) return [];
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), seen = new Set();
    for (var t = walker.nextNode(); t; t = walker.nextNode()) {
      var parent = t.parentElement;
      if (!parent || parent.namespaceURI !== XHTML || !t.data.trim() || seen.has(parent)) continue;
      if (parent.closest("[aria-hidden=true], script, style, noscript, template, svg")) continue;
      if (typeof parent.checkVisibility === "function" && !parent.checkVisibility({visibilityProperty: true})) continue;
      var b = boxes(parent);
      if (!b.any || b.bent || (!b.hx.length && !b.hy.length)) continue;
      var range = document.createRange();
      range.selectNodeContents(t);
      var rects = Array.prototype.filter.call(range.getClientRects(), function (r) { return r.width > 0 && r.height > 0; });
      var shows = false, lost = false;
      rects.forEach(function (r) {
        var x = [r.left, r.right], y = [r.top, r.bottom];
        var allX = b.ox.concat(b.hx), allY = b.oy.concat(b.hy);
        var seenX = cut(x, allX), seenY = cut(y, allY);
        if (seenX > 1 && seenY > 1) shows = true;
        var scrollX = cut(x, b.ox), scrollY = cut(y, b.oy);
        if (scrollX - seenX > Math.max(2, r.width / 4) || scrollY - seenY > Math.max(2, r.height / 4)) lost = true;
      });
      if (shows && lost) {
        seen.add(parent);
        clipped.push({selector: selector(parent), html: openingTag(parent),
                      summary: "text \u201c" + t.data.replace(/\s+/g, " ").trim().slice(0, 80) +
                               "\u201d is cut off by an overflow: hidden box at 640 \u00d7 512 (200 % zoom)"});
      }
    }
    return clipped.length ? [{rule: "ga-zoom-clipped", act: ["59br37"], wcag: ["1.4.4"], nodes: clipped,
                              help: "Zoomed text node is not clipped with CSS overflow"}] : [];
  }
})
