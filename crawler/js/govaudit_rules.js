// govaudit's own ACT rules, run in the loaded page like QualWeb's bundles (crawler/engines.py): rules
// no installed engine implements completely, written where the ACT rule's failed examples are
// structural. Returns [{rule, act, wcag, nodes: [{selector, html}], summary}], one entry per failing rule.
(function () {
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
  return found.length ? [{rule: "ga-aria-prohibited", act: ["kb1m8s"], wcag: [], nodes: found,
                          help: "ARIA global properties not used where prohibited"}] : [];
})
