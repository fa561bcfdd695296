// scale-lab's page script: a search button in the menu bar (Pagefind's component UI,
// which searches the index of the page's <html lang>) and mermaid diagrams.
(() => {
    'use strict';
    const here = document.currentScript.src;

    const buttons = document.querySelector('#mdbook-menu-bar .right-buttons');
    if (buttons) {
        // The index sits next to this script's directory; say so, or Pagefind would
        // guess it from whichever script is running when it starts.
        const config = document.createElement('pagefind-config');
        config.setAttribute('bundle-path', new URL('../pagefind/', here).pathname);
        const trigger = document.createElement('pagefind-modal-trigger');
        trigger.setAttribute('compact', '');
        document.body.append(config, document.createElement('pagefind-modal'));
        buttons.prepend(trigger);
    }

    const diagrams = [...document.querySelectorAll('pre.mermaid')];
    if (diagrams.length === 0) {
        return;
    }
    // Diagrams are drawn in mermaid's light theme whatever the page's theme, on a light
    // panel in the dark ones (scale-lab.css), like the figures: lessons colour their nodes
    // with light `classDef` fills, and a dark theme's light text on them is unreadable.
    const script = document.createElement('script');
    script.src = new URL('mermaid/mermaid.min.js', here).href;
    script.onload = () => {
        mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict' });
        mermaid.run({ nodes: diagrams }).catch((e) => console.error('mermaid:', e?.message ?? e));
    };
    document.head.append(script);
})();
