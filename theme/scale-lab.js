// scale-lab's page script: a search button in the menu bar (Pagefind's component UI,
// which searches the index of the page's <html lang>) and mermaid diagrams drawn in the
// colours of the current mdBook theme.
(() => {
    'use strict';
    const html = document.documentElement;
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
    for (const diagram of diagrams) {
        diagram.dataset.source = diagram.textContent;
    }
    const darkThemes = ['coal', 'navy', 'ayu'];
    let drawnIn = null;
    const draw = () => {
        const theme = darkThemes.some((t) => html.classList.contains(t)) ? 'dark' : 'default';
        if (theme === drawnIn) {
            return;
        }
        drawnIn = theme;
        for (const diagram of diagrams) {
            diagram.removeAttribute('data-processed');
            diagram.textContent = diagram.dataset.source;
        }
        mermaid.initialize({ startOnLoad: false, theme, securityLevel: 'strict' });
        mermaid.run({ nodes: diagrams });
    };
    const script = document.createElement('script');
    script.src = new URL('mermaid/mermaid.min.js', here).href;
    script.onload = () => {
        draw();
        new MutationObserver(draw).observe(html, { attributes: true, attributeFilter: ['class'] });
    };
    document.head.append(script);
})();
