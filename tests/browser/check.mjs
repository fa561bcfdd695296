#!/usr/bin/env node
// Browser and link checks of the built book (`book/`), run by `.ci/browser.sh`.
//
//   node tests/browser/check.mjs [--root DIR] [--book DIR] [--out DIR] [--chromium PATH]
//                                [--lesson NN-slug]... [--no-browser] [--no-links]
//                                [--require-lessons] [--all-themes] [--modes light,dark,phone]
//                                [--serve-with CMD] [--no-snapshot]
//
// 1. Links (no browser): every internal href/src of every page in book/ (lesson pages,
//    landing pages, the front door, toc.html, ...) names a file that exists, and, with a
//    #fragment, an element with that id (so `#exercise-...` links land on their exercise).
//    Relative links in the markdown cells of notebooks/{ko,en}/*.ipynb name files of the
//    repository (fragments: an id or a heading anchor in the target notebook).
//    Also: no id twice in a page; the front door and the landing pages list every lesson,
//    without its number twice ("08. 08. ..."); no `**` left unrendered in a lesson's text;
//    a Korean page's prose is Korean and an English page's is not; both languages of a
//    lesson have as many diagrams, figures and HTML outputs.
// 2. Browser (headless Debian Chromium through playwright-core), on every lesson page
//    book/{ko,en}/NN-slug.html and the landing pages, served on 127.0.0.1:
//    - no console errors, uncaught exceptions, failed requests or HTTP errors;
//    - every mermaid diagram (`pre.mermaid`) has become an SVG (not mermaid's error drawing),
//      and its labels are readable on their nodes (3:1) in the light and the dark theme;
//    - every figure (`.sl-figure svg`, and SVG inside `.sl-html`) is there and visible, and
//      its panel stays light (in the light and the dark theme);
//    - the language switch (`.sl-lang a`) leads to the same page in the other language;
//    - text in the page's content has a sane contrast (WCAG AA: 4.5, large text 3) in the
//      light theme and the dark one (navy);
//    - at a phone's width (375 px) nothing widens the page: wide tables, code and figures
//      scroll inside their own box;
//    - search (Pagefind's UI in the menu bar) finds 샤딩 in Korean and "sharding" in
//      English on pages that contain them, and only pages of the reader's language.
//    Screenshots of a few pages go to target/browser/.
//
// Every failure names the page and the check; the exit code is 1 if any check failed,
// 2 if the checks could not run (no built book, no browser).

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const started = Date.now();

// ---------------------------------------------------------------- options

function parseArgs(argv) {
    const opts = {
        root: path.resolve(here, '../..'),
        book: null,
        out: null,
        chromium: process.env.CHROMIUM || '/usr/bin/chromium',
        lessons: [],
        browser: true,
        links: true,
        requireLessons: false,
        serveWith: null,
        searchKo: process.env.SL_SEARCH_KO || '샤딩',
        searchEn: process.env.SL_SEARCH_EN || 'sharding',
        shots: (process.env.SL_SHOTS || '').split(',').filter(Boolean),
        snapshot: true,
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => {
            if (i + 1 >= argv.length) die(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--root') opts.root = path.resolve(value());
        else if (a === '--book') opts.book = path.resolve(value());
        else if (a === '--out') opts.out = path.resolve(value());
        else if (a === '--chromium') opts.chromium = value();
        else if (a === '--lesson') opts.lessons.push(value());
        else if (a === '--no-browser') opts.browser = false;
        else if (a === '--no-links') opts.links = false;
        else if (a === '--all-themes') opts.allThemes = true;
        else if (a === '--modes') opts.modes = value().split(',');
        else if (a === '--require-lessons') opts.requireLessons = true;
        else if (a === '--serve-with') opts.serveWith = value();
        else if (a === '--no-snapshot') opts.snapshot = false;
        else if (a === '--help' || a === '-h') {
            const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
            const end = lines.findIndex((l) => !l.startsWith('//'));
            console.log(lines.slice(0, end).map((l) => l.slice(3)).join('\n'));
            process.exit(0);
        } else die(`unknown argument ${a} (see --help)`);
    }
    opts.book ??= path.join(opts.root, 'book');
    opts.out ??= path.join(opts.root, 'target/browser');
    return opts;
}

function die(message, code = 2) {
    console.error(`browser checks: ${message}`);
    process.exit(code);
}

const opts = parseArgs(process.argv.slice(2));
// What an earlier run left (screenshots of pages that may be gone) goes first.
if (fs.existsSync(opts.out)) {
    for (const name of fs.readdirSync(opts.out)) {
        if (name.endsWith('.png') || name === 'report.json') fs.rmSync(path.join(opts.out, name));
    }
}
const LANGS = ['ko', 'en'];
const OTHER = { ko: 'en', en: 'ko' };
const LESSON_FILE = /^(\d{2,})-[a-z0-9]+(?:-[a-z0-9]+)*\.html$/;

// ---------------------------------------------------------------- results

const failures = [];
const warnings = [];
let checksRun = 0;

function fail(where, check, message) {
    failures.push({ where, check, message });
    console.log(`  FAIL ${where} [${check}] ${message}`);
}
function warn(where, check, message) {
    warnings.push({ where, check, message });
    console.log(`  warn ${where} [${check}] ${message}`);
}
function ok() {
    checksRun++;
}
const rel = (p) => path.relative(opts.root, p) || '.';
const seconds = (t0) => ((Date.now() - t0) / 1000).toFixed(1);

// ---------------------------------------------------------------- the book's pages

if (!fs.existsSync(path.join(opts.book, 'index.html'))) {
    die(`no built book at ${opts.book}/ (no index.html): build it first with \`cargo run -- build\``);
}
for (const lang of LANGS) {
    if (!fs.existsSync(path.join(opts.book, lang, 'index.html'))) {
        die(`the book in ${rel(opts.book)}/ has no ${lang}/index.html: rebuild it with \`cargo run -- build\``);
    }
}

// The checks read a copy of book/, taken while no `scale-lab build` writes it (they hold
// target/scale-lab/build.lock; a shared flock on it waits for them): a build that starts
// during the checks cannot pull pages or the search index from under them.
const shownBook = `${rel(opts.book)}/`;
if (opts.serveWith) opts.snapshot = false; // the command serves book/ itself
if (opts.snapshot) {
    const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sl-book-')), 'book');
    process.on('exit', () => fs.rmSync(path.dirname(copy), { recursive: true, force: true }));
    const lock = path.join(opts.root, 'target/scale-lab/build.lock');
    const haveFlock = spawnSync('flock', ['--version']).status === 0;
    if (haveFlock && fs.existsSync(lock)) {
        if (spawnSync('flock', ['-s', '-n', lock, 'true']).status !== 0) {
            console.log(`a scale-lab build is writing ${shownBook}: waiting for it to finish`);
        }
        const cp = spawnSync('flock', ['-s', '-w', '3600', lock, 'cp', '-a', opts.book, copy], { stdio: 'inherit' });
        if (cp.status !== 0) die(`could not copy ${shownBook} (flock/cp exit ${cp.status})`);
    } else {
        fs.cpSync(opts.book, copy, { recursive: true });
    }
    opts.book = copy;
    if (!fs.existsSync(path.join(opts.book, 'index.html'))) die(`${shownBook} vanished while it was copied: run the checks again`);
}

function lessonIds(lang) {
    return fs.readdirSync(path.join(opts.book, lang))
        .filter((name) => LESSON_FILE.test(name))
        .map((name) => name.slice(0, -'.html'.length))
        .filter((id) => opts.lessons.length === 0
            || opts.lessons.some((want) => id === want || id.startsWith(`${want}-`)))
        .sort();
}
const lessons = { ko: lessonIds('ko'), en: lessonIds('en') };
for (const lang of LANGS) {
    for (const id of lessons[lang]) {
        if (!lessons[OTHER[lang]].includes(id)) {
            fail(`${lang}/${id}.html`, 'both languages', `there is no ${OTHER[lang]}/${id}.html`);
        }
    }
}
const allIds = [...new Set([...lessons.ko, ...lessons.en])].sort();
console.log(`book: ${shownBook}${opts.snapshot ? ' (a copy)' : ''}, lesson pages: ko ${lessons.ko.length}, en ${lessons.en.length}`
    + (allIds.length ? ` (${allIds.join(', ')})` : ''));
if (allIds.length === 0) {
    const message = 'no lesson pages (book/{ko,en}/NN-slug.html) yet: only the landing pages are checked';
    if (opts.requireLessons) fail('book', 'lessons', message);
    else warn('book', 'lessons', message);
}

// ---------------------------------------------------------------- HTML scanning (no browser)

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
function decodeEntities(s) {
    return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
        if (e[0] === '#') {
            const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
            return Number.isFinite(code) ? String.fromCodePoint(code) : m;
        }
        return ENTITIES[e.toLowerCase()] ?? m;
    });
}

const LINK_ATTRS = new Set(['href', 'src', 'xlink:href', 'poster', 'data', 'srcset', 'action']);

/// The tags of an HTML text: [{name, attrs: Map}], without comments and the insides of
/// <script>, <style> and <textarea> (which may hold `<a href=` as text).
function scanTags(html) {
    const text = html
        .replace(/<!--[\s\S]*?-->/g, '')
        .replace(/<(script|style|textarea)\b([^>]*)>[\s\S]*?<\/\1\s*>/gi, '<$1$2></$1>');
    const tags = [];
    const tagRe = /<([a-zA-Z][\w:-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
    const attrRe = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
    for (const m of text.matchAll(tagRe)) {
        const attrs = new Map();
        for (const a of (m[2] || '').matchAll(attrRe)) {
            attrs.set(a[1].toLowerCase(), decodeEntities(a[2] ?? a[3] ?? a[4] ?? ''));
        }
        tags.push({ name: m[1].toLowerCase(), attrs });
    }
    return tags;
}

const scanned = new Map();
function scanFile(file) {
    if (!scanned.has(file)) {
        const tags = scanTags(fs.readFileSync(file, 'utf8'));
        const ids = new Set();
        const duplicates = new Set();
        for (const t of tags) {
            if (t.attrs.has('id')) {
                const id = t.attrs.get('id');
                if (ids.has(id)) duplicates.add(id);
                ids.add(id);
            }
            if (t.name === 'a' && t.attrs.has('name')) ids.add(t.attrs.get('name'));
        }
        scanned.set(file, { tags, ids, duplicates });
    }
    return scanned.get(file);
}

function walk(dir, keep, found = []) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p, keep, found);
        else if (keep(entry.name)) found.push(p);
    }
    return found.sort();
}

/// Where a site URL path (`/ko/01-x.html`) is in the book: the file, or null.
function siteFile(urlPath) {
    let decoded;
    try {
        decoded = decodeURIComponent(urlPath);
    } catch {
        return null;
    }
    const file = path.join(opts.book, ...decoded.split('/').filter(Boolean));
    if (!file.startsWith(opts.book)) return null;
    try {
        const st = fs.statSync(file);
        if (st.isDirectory()) {
            const index = path.join(file, 'index.html');
            return fs.existsSync(index) ? index : null;
        }
        return st.isFile() ? file : null;
    } catch {
        return null;
    }
}

function checkBookLinks() {
    const t0 = Date.now();
    console.log('\n== links in the book');
    const pages = walk(opts.book, (name) => name.endsWith('.html'));
    const SITE = 'http://site.invalid';
    let internal = 0;
    let external = 0;
    let exercises = 0;
    const broken = new Map(); // one line per page and target
    for (const file of pages) {
        const pageUrl = `${SITE}/${path.relative(opts.book, file).split(path.sep).map(encodeURIComponent).join('/')}`;
        const { tags, duplicates } = scanFile(file);
        const where = path.relative(opts.book, file);
        for (const id of duplicates) {
            fail(where, 'anchor', `id "${id}" is on more than one element: a link to #${id} is ambiguous`);
        }
        const baseTag = tags.find((t) => t.name === 'base' && t.attrs.has('href'));
        const base = baseTag ? new URL(baseTag.attrs.get('href'), pageUrl).href : pageUrl;
        // mdBook's 404 page is never served from book/{ko,en}/ (hosts serve the site root's
        // 404.html, `scale-lab serve` a plain 404): its links are a warning, not a failure.
        const is404 = path.basename(file) === '404.html';
        const broken404 = [];
        const report = is404 ? (w, check, message) => broken404.push(message) : fail;
        for (const tag of tags) {
            for (const [attr, raw] of tag.attrs) {
                if (!LINK_ATTRS.has(attr) || tag.name === 'base') continue;
                const values = attr === 'srcset'
                    ? raw.split(',').map((s) => s.trim().split(/\s+/)[0]).filter(Boolean)
                    : [raw.trim()];
                for (const value of values) {
                    if (value === '' || value === '#') continue;
                    if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('//')) {
                        if (/^(https?:)?\/\//i.test(value)) external++;
                        continue;
                    }
                    internal++;
                    let target;
                    try {
                        target = new URL(value, base);
                    } catch {
                        report(where, 'link', `<${tag.name} ${attr}="${value}">: not a valid URL`);
                        continue;
                    }
                    const key = `${where}\u0000${target.pathname}${target.hash}`;
                    if (broken.has(key)) continue;
                    const found = siteFile(target.pathname);
                    const shown = `<${tag.name} ${attr}="${value}">`;
                    if (!found) {
                        broken.set(key, true);
                        report(where, 'link', `${shown} leads to ${decodeURIComponentSafe(target.pathname)}, which is not in the book`
                            + (/^(\.\.\/){2}/.test(value) && !is404
                                ? ' (a link in a lesson must stay inside the site: another lesson is NN-slug.md, not a file of the repository)' : ''));
                        continue;
                    }
                    const fragment = target.hash.slice(1);
                    if (fragment && found.endsWith('.html')) {
                        const id = decodeURIComponentSafe(fragment);
                        if (/^exercise-/i.test(id)) exercises++;
                        if (!scanFile(found).ids.has(id)) {
                            broken.set(key, true);
                            report(where, /^exercise-/i.test(id) ? 'exercise link' : 'anchor',
                                `${shown}: ${path.relative(opts.book, found)} has no element with id "${id}"`);
                            continue;
                        }
                    }
                    ok();
                }
            }
        }
        if (broken404.length) {
            warn(where, 'link', `${broken404.length} of its links are broken`
                + (baseTag ? ` (it has <base href="${baseTag.attrs.get('href')}">, so they resolve from there)` : '')
                + `; first: ${broken404[0]}`);
        }
    }
    // The front door and each language's landing page list every lesson.
    const hrefsOf = (file) => new Set(scanFile(file).tags.filter((t) => t.name === 'a' && t.attrs.has('href'))
        .map((t) => new URL(t.attrs.get('href'), `${SITE}/${path.relative(opts.book, file)}`).pathname));
    const front = hrefsOf(path.join(opts.book, 'index.html'));
    for (const lang of LANGS) {
        const landing = hrefsOf(path.join(opts.book, lang, 'index.html'));
        for (const id of lessons[lang]) {
            if (!front.has(`/${lang}/${id}.html`)) fail('index.html', 'lesson list', `no link to ${lang}/${id}.html`);
            else ok();
            if (!landing.has(`/${lang}/${id}.html`)) fail(`${lang}/index.html`, 'lesson list', `no link to ${id}.html`);
            else ok();
        }
    }
    // Markdown that did not render: `**` left in the text of a lesson (CommonMark does not
    // close `**...(x)**` when a letter follows, as a Korean particle does: `**A(b)**입니다`).
    for (const lang of LANGS) {
        for (const id of lessons[lang]) {
            const html = fs.readFileSync(path.join(opts.book, lang, `${id}.html`), 'utf8');
            const main = (html.match(/<main>([\s\S]*)<\/main>/) || [, ''])[1]
                .replace(/<(pre|code|script|style|svg)\b[\s\S]*?<\/\1>/g, ' ');
            const text = decodeEntities(main.replace(/<[^>]+>/g, ''));
            // The page is in its language: Hangul among the letters of its prose.
            const hangul = (text.match(/[\uac00-\ud7a3]/g) || []).length;
            const latin = (text.match(/[A-Za-z]/g) || []).length;
            const share = hangul + latin ? hangul / (hangul + latin) : 0;
            if (lang === 'ko' && hangul + latin > 200 && share < 0.25) {
                fail(`${lang}/${id}.html`, 'page language', `the Korean page's prose is mostly not Korean (${Math.round(share * 100)}% Hangul among its letters): is lessons/${id}/ko.md still the English text?`);
            } else if (lang === 'en' && hangul + latin > 200 && share > 0.1) {
                fail(`${lang}/${id}.html`, 'page language', `the English page's prose is ${Math.round(share * 100)}% Hangul among its letters: is lessons/${id}/en.md still the Korean text?`);
            } else ok();
            for (const m of text.matchAll(/[^\n]{0,30}\*\*[^\n]{0,30}/g)) {
                fail(`${lang}/${id}.html`, 'markdown', `"**" shows as text: "…${m[0].trim()}…" (bold that ends in punctuation and is followed by a letter does not close: write **A**(b)c or <strong>A(b)</strong>c)`);
            }
        }
    }
    // Both languages show the same diagrams, figures and tables (the cells are the same).
    for (const id of lessons.ko.filter((i) => lessons.en.includes(i))) {
        const count = (lang) => {
            const html = fs.readFileSync(path.join(opts.book, lang, `${id}.html`), 'utf8');
            return {
                diagrams: (html.match(/<pre class="mermaid">/g) || []).length,
                figures: (html.match(/class="sl-output sl-figure"/g) || []).length,
                'HTML outputs': (html.match(/class="sl-output sl-html"/g) || []).length,
            };
        };
        const [ko, en] = [count('ko'), count('en')];
        for (const what of Object.keys(ko)) {
            if (ko[what] !== en[what]) fail(`${id}`, 'both languages', `ko/${id}.html has ${ko[what]} ${what}, en/${id}.html ${en[what]}`);
            else ok();
        }
    }
    // A lesson's title that carries its number again ("08. 08. ...": the lists add it).
    const doubled = new Map();
    for (const file of [path.join(opts.book, 'index.html'), ...LANGS.flatMap((l) => [path.join(opts.book, l, 'index.html'), path.join(opts.book, l, 'toc.html')])]) {
        if (!fs.existsSync(file)) continue;
        const html = fs.readFileSync(file, 'utf8');
        for (const m of html.matchAll(/>\s*(\d{2,})\.\s+\1\.\s+([^<]{0,40})/g)) {
            const key = `${m[1]}. ${m[1]}. ${m[2].trim()}`;
            if (!doubled.has(key)) doubled.set(key, []);
            doubled.get(key).push(path.relative(opts.book, file));
        }
    }
    for (const [shown, files] of doubled) {
        const number = shown.split('.')[0];
        const id = allIds.find((i) => i.startsWith(`${number}-`)) || number;
        fail(`lessons/${id}`, 'lesson list', `"${shown}" in ${files.join(', ')}: the title repeats the lesson's number (the lists add "${number}. " themselves): drop "${number}. " from the title in the front matter`);
    }
    console.log(`   ${pages.length} pages, ${internal} internal links and sources (${exercises} to #exercise-...), `
        + `${external} external ones (not fetched); ${seconds(t0)} s`);
}

function decodeURIComponentSafe(s) {
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}

// ---------------------------------------------------------------- notebooks

/// Markdown without fenced code blocks and code spans (links in code are not links).
function stripCode(md) {
    return md
        .replace(/^( {0,3})(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^\1?\2[`~]*[ \t]*$|(?![\s\S]))/gm, '')
        .replace(/(`+)[\s\S]*?\1/g, '');
}

/// Anchors a heading gets: JupyterLab's (its text, spaces as dashes) and GitHub/mdBook's.
function headingAnchors(md) {
    const anchors = new Set();
    for (const m of md.matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$/gm)) {
        const text = m[1]
            .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
            .replace(/<[^>]+>/g, '')
            .replace(/[*_`]/g, '')
            .trim();
        anchors.add(text.replace(/ /g, '-'));
        anchors.add(text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-'));
    }
    return anchors;
}

function notebookMarkdown(file) {
    const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
    return (nb.cells || [])
        .map((c, index) => ({ c, index }))
        .filter(({ c }) => c.cell_type === 'markdown')
        .map(({ c, index }) => ({
            index,
            id: c.id,
            text: Array.isArray(c.source) ? c.source.join('') : String(c.source || ''),
        }));
}

const notebookIds = new Map();
function idsOfNotebook(file) {
    if (!notebookIds.has(file)) {
        const ids = new Set();
        for (const { text } of notebookMarkdown(file)) {
            const clean = stripCode(text);
            for (const a of headingAnchors(clean)) ids.add(a);
            for (const t of scanTags(clean)) {
                if (t.attrs.has('id')) ids.add(t.attrs.get('id'));
                if (t.name === 'a' && t.attrs.has('name')) ids.add(t.attrs.get('name'));
            }
        }
        notebookIds.set(file, ids);
    }
    return notebookIds.get(file);
}

function checkNotebookLinks() {
    const t0 = Date.now();
    console.log('\n== links in the notebooks');
    let count = 0;
    let links = 0;
    for (const lang of LANGS) {
        const dir = path.join(opts.root, 'notebooks', lang);
        if (!fs.existsSync(dir)) continue;
        for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.ipynb')).sort()) {
            const file = path.join(dir, name);
            const where = rel(file);
            let cells;
            try {
                cells = notebookMarkdown(file);
            } catch (e) {
                fail(where, 'notebook', `not a readable notebook: ${e.message}`);
                continue;
            }
            count++;
            cells.forEach(({ index, id, text }) => {
                const clean = stripCode(text);
                const targets = [];
                for (const m of clean.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)) {
                    targets.push(m[1].replace(/^<|>$/g, ''));
                }
                for (const m of clean.matchAll(/^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s>]+)>?/gm)) targets.push(m[1]);
                for (const t of scanTags(clean)) {
                    for (const attr of ['href', 'src']) if (t.attrs.has(attr)) targets.push(t.attrs.get(attr));
                }
                for (const raw of targets) {
                    const value = raw.trim();
                    if (value === '' || /^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('//')) continue;
                    links++;
                    const hashAt = value.indexOf('#');
                    const pathPart = hashAt >= 0 ? value.slice(0, hashAt) : value;
                    const fragment = hashAt >= 0 ? decodeURIComponentSafe(value.slice(hashAt + 1)) : '';
                    const shown = `cell ${index + 1}${id ? ` (id ${id})` : ''}: link (${value})`;
                    let target = file;
                    if (pathPart) {
                        const decoded = decodeURIComponentSafe(pathPart.split('?')[0]);
                        target = decoded.startsWith('/')
                            ? path.join(opts.root, decoded)
                            : path.resolve(dir, decoded);
                        if (!target.startsWith(opts.root + path.sep)) {
                            fail(where, 'notebook link', `${shown} leads outside the repository (${target})`);
                            continue;
                        }
                        if (!fs.existsSync(target)) {
                            const hint = /\.md$/.test(decoded) && fs.existsSync(target.replace(/\.md$/, '.ipynb'))
                                ? ` (the notebook next to it is ${path.basename(target).replace(/\.md$/, '.ipynb')}: a book link to another lesson does not work in a notebook)`
                                : '';
                            fail(where, 'notebook link', `${shown}: ${rel(target)} does not exist${hint}`);
                            continue;
                        }
                    }
                    if (fragment && target.endsWith('.ipynb') && !idsOfNotebook(target).has(fragment)) {
                        fail(where, 'notebook anchor', `${shown}: ${rel(target)} has no heading or element with id "${fragment}"`
                            + ' (Jupyter does not read `{#id}` after a heading: give the target an HTML anchor such as <a id="…"></a>)');
                        continue;
                    }
                    ok();
                }
            });
        }
    }
    console.log(`   ${count} notebooks, ${links} relative links; ${seconds(t0)} s`);
}

// ---------------------------------------------------------------- a static server

const TYPES = {
    html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8',
    mjs: 'text/javascript; charset=utf-8', json: 'application/json', svg: 'image/svg+xml', png: 'image/png',
    jpg: 'image/jpeg', ico: 'image/x-icon', woff2: 'font/woff2', woff: 'font/woff', ttf: 'font/ttf',
    wasm: 'application/wasm', txt: 'text/plain; charset=utf-8',
};

/// Serves book/ on 127.0.0.1 like `scale-lab serve` (GET/HEAD of files; a directory is
/// its index.html; no Content-Encoding), and returns its address.
function serveBook() {
    const server = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://x');
        if (req.method !== 'GET' && req.method !== 'HEAD') {
            res.writeHead(405).end();
            return;
        }
        let decoded;
        try {
            decoded = decodeURIComponent(url.pathname);
        } catch {
            res.writeHead(404).end();
            return;
        }
        if (decoded.split('/').includes('..')) {
            res.writeHead(404).end();
            return;
        }
        const file = path.join(opts.book, ...decoded.split('/').filter(Boolean));
        let st;
        try {
            st = fs.statSync(file);
        } catch {
            res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 Not Found\n');
            return;
        }
        if (st.isDirectory() && !decoded.endsWith('/')) {
            res.writeHead(301, { Location: `${url.pathname}/` }).end();
            return;
        }
        const target = st.isDirectory() ? path.join(file, 'index.html') : file;
        fs.readFile(target, (err, body) => {
            if (err) {
                res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 Not Found\n');
                return;
            }
            const ext = path.extname(target).slice(1).toLowerCase();
            res.writeHead(200, {
                'Content-Type': TYPES[ext] || 'application/octet-stream',
                'Content-Length': body.length,
                'Cache-Control': 'no-cache',
            });
            res.end(req.method === 'HEAD' ? undefined : body);
        });
    });
    return new Promise((resolve, reject) => {
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            resolve({ base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() });
        });
    });
}

/// Runs a command that serves the book and prints `http://127.0.0.1:PORT/` (such as
/// `cargo run -q -- serve --port 0`), and returns that address.
function serveWith(command) {
    return new Promise((resolve, reject) => {
        const child = spawn('sh', ['-c', command], { cwd: opts.root, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
        let seen = '';
        const timer = setTimeout(() => reject(new Error(`\`${command}\` printed no address in 300 s`)), 300_000);
        child.stdout.on('data', (chunk) => {
            seen += chunk;
            const m = seen.match(/http:\/\/(127\.0\.0\.1|localhost):(\d+)/);
            if (m) {
                clearTimeout(timer);
                resolve({
                    base: `http://127.0.0.1:${m[2]}`,
                    close: () => { try { process.kill(-child.pid); } catch { /* gone */ } },
                });
            }
        });
        child.on('exit', (code) => reject(new Error(`\`${command}\` ended (code ${code}) before it served anything`)));
    });
}

// ---------------------------------------------------------------- PNG (for pixel checks)

/// Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium's screenshots are).
function decodePng(buf) {
    let pos = 8;
    let width = 0, height = 0, colorType = 0, bitDepth = 0, interlace = 0;
    const idat = [];
    while (pos < buf.length) {
        const len = buf.readUInt32BE(pos);
        const type = buf.toString('ascii', pos + 4, pos + 8);
        const data = buf.subarray(pos + 8, pos + 8 + len);
        if (type === 'IHDR') {
            width = data.readUInt32BE(0);
            height = data.readUInt32BE(4);
            bitDepth = data[8];
            colorType = data[9];
            interlace = data[12];
        } else if (type === 'IDAT') idat.push(data);
        else if (type === 'IEND') break;
        pos += 12 + len;
    }
    if (bitDepth !== 8 || interlace !== 0 || ![2, 6].includes(colorType)) return null;
    const bpp = colorType === 6 ? 4 : 3;
    const raw = zlib.inflateSync(Buffer.concat(idat));
    const stride = width * bpp;
    const out = Buffer.alloc(height * stride);
    for (let y = 0; y < height; y++) {
        const filter = raw[y * (stride + 1)];
        const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
        const cur = y * stride;
        const prev = cur - stride;
        for (let x = 0; x < stride; x++) {
            const a = x >= bpp ? out[cur + x - bpp] : 0;
            const b = y > 0 ? out[prev + x] : 0;
            const c = x >= bpp && y > 0 ? out[prev + x - bpp] : 0;
            let v = line[x];
            if (filter === 1) v += a;
            else if (filter === 2) v += b;
            else if (filter === 3) v += (a + b) >> 1;
            else if (filter === 4) {
                const p = a + b - c;
                const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
                v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
            }
            out[cur + x] = v & 0xff;
        }
    }
    return { width, height, bpp, data: out };
}

/// The share of light pixels (relative luminance at least `threshold`) along the
/// figure's margins: a strip 4..10 px inside each edge, over the middle 60% of the edge
/// (clear of rounded corners). That is the panel, whatever the plot inside draws.
function lightShare(png, threshold = 0.75) {
    let light = 0;
    let n = 0;
    const at = (x, y) => {
        const o = (y * png.width + x) * png.bpp;
        n++;
        if (luminance([png.data[o], png.data[o + 1], png.data[o + 2]]) >= threshold) light++;
    };
    const { width: w, height: h } = png;
    if (w < 30 || h < 30) {
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) at(x, y);
        return n ? light / n : 0;
    }
    for (let d = 4; d < 10; d++) {
        for (let x = Math.floor(w * 0.2); x < w * 0.8; x++) {
            at(x, d);
            at(x, h - 1 - d);
        }
        for (let y = Math.floor(h * 0.2); y < h * 0.8; y++) {
            at(d, y);
            at(w - 1 - d, y);
        }
    }
    return n ? light / n : 0;
}

function luminance([r, g, b]) {
    const f = (v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

// ---------------------------------------------------------------- in-page probes

// These functions run inside the page (page.evaluate): only their own code.

function probeDiagrams() {
    return [...document.querySelectorAll('pre.mermaid')].map((pre, i) => {
        const source = (pre.dataset.source || pre.textContent || '').trim().split('\n')[0].slice(0, 60);
        const svg = pre.querySelector('svg');
        if (!svg) return { i, source, ok: false, why: 'still mermaid source: no <svg> was drawn' };
        const words = [...svg.querySelectorAll('text, foreignObject')].map((t) => t.textContent).join(' ').trim().replace(/\s+/g, ' ');
        if (svg.getAttribute('aria-roledescription') === 'error' || /Syntax error in text/i.test(words)) {
            return { i, source, ok: false, why: `mermaid drew its error diagram ("${words.slice(0, 100)}"): the diagram's source does not parse` };
        }
        const r = svg.getBoundingClientRect();
        if (r.width < 1 || r.height < 1) return { i, source, ok: false, why: `its <svg> is ${r.width}x${r.height} px` };
        const texts = svg.querySelectorAll('text, foreignObject div, foreignObject span').length;
        return { i, source, ok: true, why: '', texts, w: Math.round(r.width), h: Math.round(r.height) };
    });
}

function probeFigures() {
    const figures = [];
    const boxes = [...document.querySelectorAll('.sl-figure, .sl-html')];
    let n = 0;
    for (const box of boxes) {
        const svgs = [...box.querySelectorAll('svg')].filter((s) => !s.parentElement.closest('svg'));
        if (box.classList.contains('sl-figure') && svgs.length === 0) {
            figures.push({ i: n++, label: '(.sl-figure)', ok: false, why: '.sl-figure holds no <svg>' });
            continue;
        }
        for (const svg of svgs) {
            const i = n++;
            svg.setAttribute('data-sl-probe', String(i));
            const label = svg.getAttribute('aria-label') || svg.querySelector('title')?.textContent?.trim() || `(${box.className})`;
            const r = svg.getBoundingClientRect();
            const visible = svg.checkVisibility({ opacityProperty: true, visibilityProperty: true });
            let why = '';
            if (!visible) why = 'it is hidden (display, visibility or opacity)';
            else if (r.width < 1 || r.height < 1) why = `it is ${r.width}x${r.height} px`;
            // The panel: a rect that covers (nearly) the whole figure.
            let panel = null;
            const vb = svg.viewBox?.baseVal;
            const fw = vb && vb.width ? vb.width : parseFloat(svg.getAttribute('width')) || r.width;
            const fh = vb && vb.height ? vb.height : parseFloat(svg.getAttribute('height')) || r.height;
            for (const rect of svg.querySelectorAll('rect')) {
                const w = parseFloat(rect.getAttribute('width')), h = parseFloat(rect.getAttribute('height'));
                if (w >= 0.9 * fw && h >= 0.9 * fh) {
                    panel = getComputedStyle(rect).fill;
                    break;
                }
            }
            const overflowX = getComputedStyle(box).overflowX;
            figures.push({ i, label: label.slice(0, 60), ok: !why, why, panel, w: Math.round(r.width), h: Math.round(r.height),
                wider: box.scrollWidth > box.clientWidth + 1, overflowX });
        }
    }
    return figures;
}

/// Labels of mermaid diagrams against the fill of their own node or cluster (what a
/// `classDef ... fill:` sets) or, for edge labels, their label box. The limit is 3:1
/// (WCAG's for graphics): mermaid's own dark theme puts edge labels at 4.4:1.
function probeDiagramContrast() {
    const parse = (c) => {
        let m = c && c.match(/^rgba?\(([^)]+)\)$/);
        if (m) {
            const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
            return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
        }
        m = c && c.match(/^#([0-9a-f]{6})$/i);
        if (m) return [0, 2, 4].map((k) => parseInt(m[1].slice(k, k + 2), 16)).concat(1);
        return null;
    };
    const lum = (c) => {
        const f = (v) => {
            const s = v / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const over = (top, bottom) => [0, 1, 2].map((k) => top[k] * top[3] + bottom[k] * (1 - top[3])).concat(1);
    const pageBg = (() => {
        for (let e = document.querySelector('pre.mermaid'); e; e = e.parentElement) {
            const c = parse(getComputedStyle(e).backgroundColor);
            if (c && c[3] >= 1) return c;
        }
        return [255, 255, 255, 1];
    })();
    const bad = [];
    let checked = 0;
    document.querySelectorAll('pre.mermaid svg').forEach((svg, di) => {
        for (const group of svg.querySelectorAll('g.node, g.cluster, g.edgeLabel')) {
            // What is behind the label: the group's shape (not inside the label).
            let behind = pageBg;
            const shape = [...group.querySelectorAll('rect, polygon, path, circle, ellipse')]
                .find((el) => !el.closest('.label, .nodeLabel, .cluster-label, foreignObject') && parse(getComputedStyle(el).fill));
            if (shape) {
                const fill = parse(getComputedStyle(shape).fill);
                const opacity = +getComputedStyle(shape).fillOpacity * +getComputedStyle(shape).opacity;
                behind = over([fill[0], fill[1], fill[2], fill[3] * opacity], pageBg);
            }
            for (const el of group.querySelectorAll('*')) {
                const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
                if (!hasText) continue;
                const inHtml = !!el.closest('foreignObject');
                const cs = getComputedStyle(el);
                // An HTML label may carry its own background (edge labels do).
                let bg = behind;
                if (inHtml) {
                    const layers = [];
                    for (let e = el; e && e.tagName.toLowerCase() !== 'foreignobject'; e = e.parentElement) {
                        const c = parse(getComputedStyle(e).backgroundColor);
                        if (c && c[3] > 0) layers.push(c);
                        if (c && c[3] >= 1) break;
                    }
                    for (const layer of layers.reverse()) bg = over(layer, bg);
                }
                const fg = parse(inHtml ? cs.color : cs.fill);
                if (!fg) continue;
                const text = over(fg, bg);
                const [l1, l2] = [lum(text), lum(bg)].sort((a, b) => b - a);
                const ratio = (l1 + 0.05) / (l2 + 0.05);
                checked++;
                if (ratio < 3) {
                    bad.push({ diagram: di + 1, text: el.textContent.trim().replace(/\s+/g, ' ').slice(0, 30), ratio: +ratio.toFixed(2),
                        fg: inHtml ? cs.color : cs.fill, bg: `rgb(${bg.slice(0, 3).map(Math.round).join(', ')})` });
                }
            }
        }
    });
    return { checked, bad };
}

/// Text in the content whose contrast with what is behind it is below WCAG AA.
function probeContrast() {
    const parse = (c) => {
        let m = c.match(/^rgba?\(([^)]+)\)$/);
        if (m) {
            const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
            return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
        }
        m = c.match(/^color\(srgb ([^)]+)\)$/);
        if (m) {
            const p = m[1].split(/[\s/]+/).filter(Boolean).map(Number);
            return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
        }
        return null;
    };
    const over = (top, bottom) => {
        const a = top[3];
        return [0, 1, 2].map((k) => top[k] * a + bottom[k] * (1 - a)).concat(1);
    };
    const lum = (c) => {
        const f = (v) => {
            const s = v / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const background = (el) => {
        const layers = [];
        for (let e = el; e; e = e.parentElement) {
            const cs = getComputedStyle(e);
            if (cs.backgroundImage && cs.backgroundImage !== 'none') return null;
            const c = parse(cs.backgroundColor);
            if (c === null) return null;
            if (c[3] > 0) layers.push(c);
            if (c[3] >= 1) break;
        }
        let bg = [255, 255, 255, 1];
        for (const layer of layers.reverse()) bg = over(layer, bg);
        return bg;
    };
    const describe = (el) => {
        const cls = [...el.classList].slice(0, 2).map((c) => `.${c}`).join('');
        return `${el.tagName.toLowerCase()}${cls}`;
    };
    const root = document.querySelector('#mdbook-content main') || document.body;
    const bad = [];
    let checked = 0;
    for (const el of root.querySelectorAll('*')) {
        if (el.closest('svg, pre.mermaid, .sl-figure')) continue;
        const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!hasText || !el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
        const cs = getComputedStyle(el);
        const fg = parse(cs.color);
        const bg = background(el);
        if (!fg || !bg) continue;
        const opacity = [...(function* () { for (let e = el; e; e = e.parentElement) yield +getComputedStyle(e).opacity; })()]
            .reduce((a, b) => a * b, 1);
        const text = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
        const [l1, l2] = [lum(text), lum(bg)].sort((a, b) => b - a);
        const ratio = (l1 + 0.05) / (l2 + 0.05);
        const size = parseFloat(cs.fontSize);
        const large = size >= 24 || (size >= 18.66 && +cs.fontWeight >= 700);
        const need = large ? 3 : 4.5;
        checked++;
        if (ratio < need) {
            bad.push({ el: describe(el), text: el.textContent.trim().replace(/\s+/g, ' ').slice(0, 40), ratio: +ratio.toFixed(2), need,
                fg: cs.color, bg: `rgb(${bg.slice(0, 3).map(Math.round).join(', ')})` });
        }
    }
    bad.sort((a, b) => a.ratio - b.ratio);
    return { checked, bad };
}

function probeTheme() {
    const cs = getComputedStyle(document.body);
    let bg = cs.backgroundColor;
    if (/rgba\(0, 0, 0, 0\)|transparent/.test(bg)) bg = getComputedStyle(document.documentElement).backgroundColor;
    return { classes: document.documentElement.className, bg, fg: cs.color, lang: document.documentElement.lang };
}

/// What makes the page wider than the screen at a phone's width, and wide boxes that do
/// not scroll.
function probeOverflow() {
    const vw = document.documentElement.clientWidth;
    const describe = (el) => {
        const cls = [...el.classList].slice(0, 2).map((c) => `.${c}`).join('');
        const text = (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
        return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls}${text ? ` "${text}"` : ''}`;
    };
    // Only a box inside the page's text may scroll sideways (a table's, a code block's, an
    // output's): mdBook's .content scrolls too, but then the whole column would.
    const content = document.querySelector('#mdbook-content main') || document.body;
    const column = document.querySelector('#mdbook-content') || document.body;
    const right = Math.min(vw, content.getBoundingClientRect().right || vw);
    const clippedByAncestor = (el) => {
        for (let a = el.parentElement; a && a !== content; a = a.parentElement) {
            const cs = getComputedStyle(a);
            if (cs.overflowX !== 'visible') {
                const r = a.getBoundingClientRect();
                if (r.right <= right + 1 && r.left >= -1) return true;
            }
            if (cs.position === 'fixed') return true;
        }
        return false;
    };
    const escaping = [];
    const marked = new Set();
    for (const el of content.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.right <= right + 1 && r.left >= -1) continue;
        if (marked.has(el.parentElement)) {
            marked.add(el);
            continue;
        }
        if (clippedByAncestor(el)) continue;
        marked.add(el);
        escaping.push(`${describe(el)} (${Math.round(r.left)}..${Math.round(r.right)} px)`);
    }
    const stuck = [];
    for (const el of content.querySelectorAll('pre, table, .sl-output, .table-wrapper, pre.mermaid')) {
        if (el.scrollWidth <= el.clientWidth + 1) continue;
        const ox = getComputedStyle(el).overflowX;
        if (ox === 'auto' || ox === 'scroll') continue;
        if (el.tagName === 'TABLE' && el.parentElement && ['auto', 'scroll'].includes(getComputedStyle(el.parentElement).overflowX)) continue;
        stuck.push(`${describe(el)} (${el.scrollWidth} px of content in ${el.clientWidth} px, overflow-x: ${ox})`);
    }
    return {
        vw,
        columnScroll: column.scrollWidth - column.clientWidth,
        docWidth: document.documentElement.scrollWidth,
        bodyWidth: document.body.scrollWidth,
        escaping: escaping.slice(0, 6),
        more: Math.max(0, escaping.length - 6),
        stuck: stuck.slice(0, 6),
    };
}

// ---------------------------------------------------------------- browser checks

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const MODES = {
    light: { viewport: { width: 1280, height: 900 }, theme: 'light', colorScheme: 'light' },
    dark: { viewport: { width: 1280, height: 900 }, theme: 'navy', colorScheme: 'dark', dark: true },
    phone: { viewport: { width: 375, height: 740 }, theme: 'light', colorScheme: 'light', isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};
// --all-themes: mdBook's other three themes too (desktop).
const MORE_THEMES = {
    rust: { viewport: { width: 1280, height: 900 }, theme: 'rust', colorScheme: 'light' },
    coal: { viewport: { width: 1280, height: 900 }, theme: 'coal', colorScheme: 'dark', dark: true },
    ayu: { viewport: { width: 1280, height: 900 }, theme: 'ayu', colorScheme: 'dark', dark: true },
};

async function newContext(browser, mode) {
    const m = MODES[mode];
    const context = await browser.newContext({
        viewport: m.viewport,
        colorScheme: m.colorScheme,
        isMobile: !!m.isMobile,
        hasTouch: !!m.hasTouch,
        deviceScaleFactor: m.deviceScaleFactor || 1,
        reducedMotion: 'reduce',
    });
    await context.addInitScript((theme) => {
        try { localStorage.setItem('mdbook-theme', theme); } catch { /* file: */ }
    }, m.theme);
    return context;
}

/// Opens `url` in a new page of `context`, watching for console errors and failed
/// requests until `watch.stop()`.
async function open(context, url) {
    const page = await context.newPage();
    const problems = [];
    let watching = true;
    page.on('console', (msg) => {
        if (!watching || msg.type() !== 'error') return;
        const text = msg.text();
        if (/^Failed to load resource/.test(text)) return; // reported as the response or failure below
        const loc = msg.location();
        problems.push(`console error: ${text.slice(0, 300)}${loc?.url ? ` (${loc.url.replace(/^https?:\/\/[^/]+/, '')}:${loc.lineNumber})` : ''}`);
    });
    page.on('pageerror', (e) => watching && problems.push(`uncaught exception: ${String(e.message || e).slice(0, 300)}`));
    page.on('requestfailed', (r) => watching && problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => watching && r.status() >= 400 && problems.push(`HTTP ${r.status()} for ${r.url()}`));
    let response = null;
    try {
        response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
        await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
    } catch (e) {
        problems.push(`the page did not load: ${e.message.split('\n')[0]}`);
    }
    return { page, problems, response, stop: () => { watching = false; } };
}

async function waitForDiagrams(page) {
    if (await page.locator('pre.mermaid').count() === 0) return;
    await page.waitForFunction(
        () => [...document.querySelectorAll('pre.mermaid')].every((p) => p.querySelector('svg')),
        null, { timeout: 20_000, polling: 100 },
    ).catch(() => {});
}

function shotPath(name) {
    fs.mkdirSync(opts.out, { recursive: true });
    return path.join(opts.out, `${name}.png`);
}

async function screenshot(page, name) {
    const file = shotPath(name);
    // From the top: element screenshots and clicks scroll, and mdBook's sticky menu bar
    // would be drawn where the page was left.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(200);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    const width = page.viewportSize().width;
    await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width, height: Math.min(height, 8000) } });
    shots.push(rel(file));
}
const shots = [];

async function checkPage(context, mode, lang, file, { shoot }) {
    const where = `${lang ? `${lang}/` : ''}${file} (${mode})`;
    const url = `${base}/${lang ? `${lang}/` : ''}${file}`;
    const { page, problems, response, stop } = await open(context, url);
    try {
        if (!response || response.status() !== 200) {
            fail(where, 'load', `HTTP ${response ? response.status() : 'no answer'} for ${url}`);
            return;
        }
        await waitForDiagrams(page);
        await page.waitForTimeout(150);

        // Theme applied as asked.
        const theme = await page.evaluate(probeTheme);
        const bgLum = luminanceOf(theme.bg);
        const m = MODES[mode];
        if (lang && m.dark && !(theme.classes.split(' ').includes(m.theme) && bgLum !== null && bgLum < 0.2)) {
            fail(where, 'dark theme', `the page is not in the dark theme ${m.theme}: <html class="${theme.classes}">, background ${theme.bg}`);
        } else if (lang && !m.dark && bgLum !== null && bgLum < 0.6) {
            fail(where, 'light theme', `the page is not light: <html class="${theme.classes}">, background ${theme.bg}`);
        } else ok();
        if (lang && theme.lang !== lang) fail(where, 'html lang', `<html lang="${theme.lang}">, expected "${lang}"`);

        // Diagrams.
        for (const d of await page.evaluate(probeDiagrams)) {
            if (!d.ok) fail(where, 'mermaid', `diagram ${d.i + 1} ("${d.source}"): ${d.why}`);
            else if (d.texts === 0) fail(where, 'mermaid', `diagram ${d.i + 1} ("${d.source}") was drawn without any label`);
            else ok();
        }

        // Diagram labels readable on their nodes (desktop; a classDef's fill with the dark
        // theme's light text, say).
        if (mode !== 'phone') {
            const { bad } = await page.evaluate(probeDiagramContrast);
            const byDiagram = new Map();
            for (const x of bad) {
                if (!byDiagram.has(x.diagram)) byDiagram.set(x.diagram, []);
                byDiagram.get(x.diagram).push(x);
            }
            for (const [d, list] of byDiagram) {
                const shown = list.slice(0, 3).map((x) => `"${x.text}" ${x.ratio}:1 (${x.fg} on ${x.bg})`).join('; ');
                fail(where, 'mermaid contrast', `diagram ${d}: ${list.length} label(s) below 3:1 against their node: ${shown}${list.length > 3 ? ` and ${list.length - 3} more` : ''}`);
            }
            if (bad.length === 0) ok();
        }

        // Figures: present, visible, on a light panel.
        for (const f of await page.evaluate(probeFigures)) {
            const name = `figure ${f.i + 1} ("${f.label}")`;
            if (!f.ok) {
                fail(where, 'figure', `${name}: ${f.why}`);
                continue;
            }
            ok();
            if (f.panel) {
                const l = luminanceOf(f.panel);
                if (l !== null && l < 0.8) fail(where, 'figure panel', `${name}: its panel is drawn in ${f.panel}, not a light colour`);
                else ok();
            }
            if (f.wider && !['auto', 'scroll'].includes(f.overflowX)) {
                fail(where, 'figure width', `${name} is wider than its box, which does not scroll (overflow-x: ${f.overflowX})`);
            }
            if (m.dark) {
                const png = decodePng(await page.locator(`svg[data-sl-probe="${f.i}"]`).screenshot({ type: 'png', animations: 'disabled' }));
                const share = png ? lightShare(png) : null;
                if (share !== null && share < 0.8) {
                    fail(where, 'figure panel', `${name}: on screen in the dark theme, only ${Math.round(share * 100)}% of its margins are light (its panel should stay light)`);
                } else ok();
            }
        }

        // Contrast of the text (both themes, desktop).
        if (mode !== 'phone') {
            const { checked, bad } = await page.evaluate(probeContrast);
            if (checked === 0 && lang) fail(where, 'contrast', 'found no text to check in the page\'s <main>');
            // One line per kind of element and pair of colours (all links, say).
            const groups = new Map();
            for (const b of bad) {
                const key = `${b.el}|${b.fg}|${b.bg}`;
                if (!groups.has(key)) groups.set(key, []);
                groups.get(key).push(b);
            }
            for (const g of [...groups.values()].slice(0, 5)) {
                const b = g[0];
                const texts = g.slice(0, 3).map((x) => `"${x.text}"`).join(', ') + (g.length > 3 ? ` and ${g.length - 3} more` : '');
                fail(where, 'contrast', `${b.el} ${texts}: contrast ${b.ratio}:1 (needs ${b.need}:1), text ${b.fg} on ${b.bg}`);
            }
            if (groups.size > 5) fail(where, 'contrast', `... and ${groups.size - 5} more kinds of text below the limit`);
            if (bad.length === 0) ok();
        }

        // A phone's width.
        if (mode === 'phone') {
            const o = await page.evaluate(probeOverflow);
            if (o.docWidth > o.vw + 1 || o.bodyWidth > o.vw + 1) {
                fail(where, 'phone width', `the page is ${Math.max(o.docWidth, o.bodyWidth)} px wide at ${o.vw} px`
                    + (o.escaping.length ? `; too wide: ${o.escaping.join('; ')}${o.more ? ` and ${o.more} more` : ''}` : ''));
            } else if (o.escaping.length || o.columnScroll > 1) {
                fail(where, 'phone width', `the text column is wider than the screen (${o.vw} px)`
                    + `${o.columnScroll > 1 ? ` and scrolls sideways by ${o.columnScroll} px` : ''}`
                    + `${o.escaping.length ? `; too wide, outside any scrolling box: ${o.escaping.join('; ')}${o.more ? ` and ${o.more} more` : ''}` : ''}`);
            } else ok();
            for (const s of o.stuck) fail(where, 'phone width', `a wide box does not scroll: ${s}`);
        }

        if (shoot) await screenshot(page, `${lang}-${file.replace(/\.html$/, '')}-${mode}`);

        // The language switch (light, desktop): same page in the other language, and back.
        if (lang && mode === 'light') {
            const other = OTHER[lang];
            const expected = `/${other}/${file}`;
            const links = page.locator('.sl-lang a');
            const n = await links.count();
            if (n === 0) {
                fail(where, 'language switch', 'no .sl-lang a link on the page');
            } else {
                const href = await links.first().getAttribute('href');
                const target = new URL(href, page.url());
                if (target.pathname !== expected) {
                    fail(where, 'language switch', `.sl-lang a leads to ${target.pathname}, expected ${expected}`);
                } else {
                    stop();
                    const [nav] = await Promise.all([
                        page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 }).catch((e) => e),
                        links.first().click(),
                    ]);
                    const after = new URL(page.url());
                    const lang2 = await page.evaluate(() => document.documentElement.lang).catch(() => '?');
                    const back = await page.locator('.sl-lang a').first().getAttribute('href').catch(() => null);
                    const backPath = back ? new URL(back, page.url()).pathname : null;
                    if (nav instanceof Error || !nav || nav.status() !== 200) {
                        fail(where, 'language switch', `clicking it did not load ${expected} (${nav instanceof Error ? nav.message.split('\n')[0] : nav ? `HTTP ${nav.status()}` : 'no navigation'})`);
                    } else if (after.pathname !== expected || lang2 !== other) {
                        fail(where, 'language switch', `clicking it led to ${after.pathname} with <html lang="${lang2}">, expected ${expected} in "${other}"`);
                    } else if (backPath !== `/${lang}/${file}`) {
                        fail(where, 'language switch', `${expected} links back to ${backPath}, not /${lang}/${file}`);
                    } else ok();
                }
            }
        }

        for (const p of [...new Set(problems)]) fail(where, p.startsWith('console') || p.startsWith('uncaught') ? 'console' : 'requests', p);
        if (problems.length === 0) ok();
    } finally {
        await page.close();
    }
}

function luminanceOf(css) {
    let m = css && css.match(/^rgba?\(([^)]+)\)$/);
    if (m) {
        const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
        if (p.length > 3 && p[3] === 0) return null;
        return luminance(p);
    }
    m = css && css.match(/^#([0-9a-f]{6})$/i);
    if (m) return luminance([0, 2, 4].map((k) => parseInt(m[1].slice(k, k + 2), 16)));
    if (css === 'white') return 1;
    return null;
}

/// Pages (by language) whose indexed text holds `term`: what search should find.
function pagesWithTerm(lang, term) {
    const dir = path.join(opts.book, lang);
    const want = term.toLowerCase();
    return fs.readdirSync(dir).filter((n) => n.endsWith('.html') && !['404.html', 'toc.html'].includes(n)).filter((n) => {
        const html = fs.readFileSync(path.join(dir, n), 'utf8');
        const main = html.match(/<main>([\s\S]*)<\/main>/);
        if (!main) return false;
        const text = decodeEntities(main[1]
            .replace(/<pre class="mermaid">[\s\S]*?<\/pre>/g, ' ')
            .replace(/<div class="sl-lang">[\s\S]*?<\/div>/g, ' ')
            .replace(/<[^>]+>/g, ' '));
        return text.toLowerCase().includes(want);
    }).map((n) => `/${lang}/${n}`);
}

async function checkSearch(context, lang, term) {
    const start = lessons[lang][0] ? `${lessons[lang][0]}.html` : 'index.html';
    const where = `${lang}/${start} (search "${term}")`;
    const expected = pagesWithTerm(lang, term);
    if (expected.length === 0) {
        warn(where, 'search', `no ${lang} page contains "${term}": search not checked`);
        return;
    }
    const { page, problems, stop } = await open(context, `${base}/${lang}/${start}`);
    try {
        const trigger = page.locator('#mdbook-menu-bar pagefind-modal-trigger');
        if (await trigger.count() === 0) {
            fail(where, 'search', 'no search button (pagefind-modal-trigger) in the menu bar');
            return;
        }
        await trigger.first().click();
        const input = page.locator('pagefind-modal input[type="search"], pagefind-modal input').first();
        try {
            await input.waitFor({ state: 'visible', timeout: 10_000 });
        } catch {
            fail(where, 'search', 'clicking the search button opened no search field');
            return;
        }
        await input.fill(term);
        const results = page.locator('pagefind-modal a.pf-result-link');
        try {
            await results.first().waitFor({ state: 'visible', timeout: 15_000 });
        } catch {
            const summary = await page.locator('pagefind-modal pagefind-summary').textContent().catch(() => '');
            fail(where, 'search', `no results for "${term}" (Pagefind says: "${(summary || '').trim()}"); pages that contain it: ${expected.join(', ')}`);
            return;
        }
        await page.waitForTimeout(300);
        const hrefs = await results.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        const paths = hrefs.map((h) => new URL(h, page.url()).pathname);
        const foreign = paths.filter((p) => !p.startsWith(`/${lang}/`));
        if (foreign.length) fail(where, 'search', `results in another language: ${foreign.join(', ')}`);
        const hit = paths.filter((p) => expected.includes(p));
        if (hit.length === 0) {
            fail(where, 'search', `results ${paths.join(', ')} include none of the pages that contain "${term}": ${expected.join(', ')}`);
        } else ok();
        const missing = paths.filter((p) => !siteFile(p));
        if (missing.length) fail(where, 'search', `results lead to pages that do not exist: ${missing.join(', ')}`);
        await page.screenshot({ path: shotPath(`search-${lang}`) });
        shots.push(rel(shotPath(`search-${lang}`)));
        // Following the first result opens its page (whose own errors its page check reports).
        for (const p of [...new Set(problems)]) fail(where, 'console', p);
        problems.length = 0;
        stop();
        const first = results.first();
        const [nav] = await Promise.all([
            page.waitForNavigation({ waitUntil: 'load', timeout: 15_000 }).catch((e) => e),
            first.click(),
        ]);
        if (nav instanceof Error || !nav || nav.status() !== 200) {
            fail(where, 'search', `following the first result (${paths[0]}) did not open it`);
        } else ok();
        for (const p of [...new Set(problems)]) fail(where, 'console', p);
        console.log(`   search ${lang} "${term}": ${paths.length} result(s): ${paths.join(', ')}`);
    } finally {
        await page.close();
    }
}

let base = '';

async function browserChecks() {
    const t0 = Date.now();
    console.log('\n== browser');
    let chromium;
    try {
        ({ chromium } = await import('playwright-core'));
    } catch (e) {
        die(`playwright-core is not installed (run \`npm ci\` in tests/browser): ${e.message}`);
    }
    if (!fs.existsSync(opts.chromium)) die(`no Chromium at ${opts.chromium} (apt-get install chromium, or --chromium PATH)`);
    let server;
    try {
        server = opts.serveWith ? await serveWith(opts.serveWith) : await serveBook();
    } catch (e) {
        die(`could not serve the book: ${e.message}`);
    }
    base = server.base;
    console.log(`   serving ${shownBook}${opts.snapshot ? ' (a copy)' : ''} at ${base}/${opts.serveWith ? ` (${opts.serveWith})` : ''}`);
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-chromium-'));
    let browser;
    try {
        browser = await chromium.launch({
            executablePath: opts.chromium,
            headless: true,
            args: [...FLAGS, `--disk-cache-dir=${path.join(profile, 'cache')}`],
            env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile },
        });
    } catch (e) {
        server.close();
        die(`could not start Chromium (${opts.chromium}): ${e.message.split('\n')[0]}`);
    }
    console.log(`   Chromium ${browser.version()} (${opts.chromium})`);
    try {
        // Screenshots: the first lesson and the one with the most figures and diagrams.
        let shootIds = opts.shots;
        if (shootIds.length === 0 && allIds.length) {
            const weight = (id) => {
                const html = fs.readFileSync(path.join(opts.book, 'en', `${id}.html`), 'utf8');
                return (html.match(/class="sl-output sl-figure"|class="mermaid"/g) || []).length;
            };
            const heaviest = allIds.filter((id) => lessons.en.includes(id)).sort((a, b) => weight(b) - weight(a))[0];
            shootIds = [...new Set([allIds[0], heaviest].filter(Boolean))];
        }
        if (opts.allThemes) Object.assign(MODES, MORE_THEMES);
        for (const mode of Object.keys(MODES).filter((m) => !opts.modes || opts.modes.includes(m))) {
            const tm = Date.now();
            const context = await newContext(browser, mode);
            // The front door and the landing pages.
            await checkPage(context, mode, '', 'index.html', { shoot: false });
            for (const lang of LANGS) {
                await checkPage(context, mode, lang, 'index.html', { shoot: allIds.length === 0 && ['light', 'dark', 'phone'].includes(mode) });
                for (const id of lessons[lang]) {
                    await checkPage(context, mode, lang, `${id}.html`, { shoot: ['light', 'dark', 'phone'].includes(mode) && shootIds.some((s) => id === s || id.startsWith(`${s}-`)) });
                }
            }
            if (mode === 'light') {
                await checkSearch(context, 'ko', opts.searchKo);
                await checkSearch(context, 'en', opts.searchEn);
            }
            await context.close();
            console.log(`   ${mode}: ${lessons.ko.length + lessons.en.length} lesson pages and the landing pages, ${seconds(tm)} s`);
        }
    } finally {
        await browser.close();
        server.close();
        fs.rmSync(profile, { recursive: true, force: true });
    }
    console.log(`   browser checks: ${seconds(t0)} s`);
}

// ---------------------------------------------------------------- main

if (opts.links) {
    checkBookLinks();
    checkNotebookLinks();
}
if (opts.browser) await browserChecks();

if (shots.length) console.log(`\nscreenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
const report = { failures, warnings, checks: checksRun, lessons, seconds: (Date.now() - started) / 1000, screenshots: shots };
fs.mkdirSync(opts.out, { recursive: true });
fs.writeFileSync(path.join(opts.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${checksRun} checks passed, ${failures.length} failed, ${warnings.length} warning(s); ${seconds(started)} s (report: ${rel(path.join(opts.out, 'report.json'))})`);
if (failures.length) {
    console.log('\nFAILED:');
    for (const f of failures) console.log(`  ${f.where} [${f.check}] ${f.message}`);
    process.exit(1);
}
