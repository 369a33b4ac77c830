"""The starter templates' CSS: one theme per category (CSS variables) and one stylesheet per block.

Each starter template carries the <style> elements it needs (theme, common, block); a page
hoists them into <head> and keeps one copy of each identical stylesheet. No url(), no imports:
pages are standalone and load nothing.
"""

THEMES = {
    "fashion": (
        ".t-fashion{--pp-ink:#1d1b18;--pp-muted:#6d675f;--pp-bg:#f8f5f0;--pp-surface:#fff;--pp-line:#e6dfd4;"
        "--pp-accent:#9c4a2f;--pp-accent-ink:#fffaf5;--pp-accent-soft:#f3e7df;--pp-hero-bg:#efe7dc;"
        "--pp-hero-ink:#1d1b18;--pp-radius:2px;"
        "--pp-heading:'Noto Serif KR','Noto Serif CJK KR','Nanum Myeongjo','Apple Myungjo',Georgia,serif;"
        "--pp-heading-weight:600;--pp-track:.32em}"
    ),
    "food": (
        ".t-food{--pp-ink:#2e2119;--pp-muted:#7a6456;--pp-bg:#fff7ea;--pp-surface:#fff;--pp-line:#f0e0c8;"
        "--pp-accent:#e0642a;--pp-accent-ink:#fff;--pp-accent-soft:#fdebd8;--pp-hero-bg:#ffedd2;"
        "--pp-hero-ink:#2e2119;--pp-radius:22px;--pp-heading:inherit;--pp-heading-weight:800;--pp-track:.2em}"
    ),
    "electronics": (
        ".t-electronics{--pp-ink:#0f1729;--pp-muted:#5a6479;--pp-bg:#f4f6fb;--pp-surface:#fff;--pp-line:#e1e6ef;"
        "--pp-accent:#2f6bff;--pp-accent-ink:#fff;--pp-accent-soft:#e8efff;--pp-hero-bg:#0a0f1e;"
        "--pp-hero-ink:#eef3ff;--pp-radius:14px;--pp-heading:inherit;--pp-heading-weight:800;--pp-track:.22em}"
    ),
    "beauty": (
        ".t-beauty{--pp-ink:#3b2a31;--pp-muted:#85707a;--pp-bg:#fff6f7;--pp-surface:#fff;--pp-line:#f3dfe4;"
        "--pp-accent:#c0587a;--pp-accent-ink:#fff;--pp-accent-soft:#fbe6ec;--pp-hero-bg:#fbe9ee;"
        "--pp-hero-ink:#3b2a31;--pp-radius:26px;"
        "--pp-heading:'Noto Serif KR','Noto Serif CJK KR','Nanum Myeongjo',Georgia,serif;"
        "--pp-heading-weight:500;--pp-track:.3em}"
    ),
    "living": (
        ".t-living{--pp-ink:#243029;--pp-muted:#67716b;--pp-bg:#f3f1eb;--pp-surface:#fff;--pp-line:#e1ddd2;"
        "--pp-accent:#557a66;--pp-accent-ink:#fff;--pp-accent-soft:#e6eee8;--pp-hero-bg:#e9e6dc;"
        "--pp-hero-ink:#243029;--pp-radius:10px;--pp-heading:inherit;--pp-heading-weight:700;--pp-track:.24em}"
    ),
}

COMMON = """
.pp{color:var(--pp-ink);background:var(--pp-bg);padding:80px 0;position:relative}
.pp+.pp{border-top:1px solid var(--pp-line)}
.pp-wrap{max-width:840px;margin:0 auto;padding:0 32px;position:relative}
.pp-head{text-align:center;margin:0 auto 44px;max-width:640px}
.pp-kicker{display:inline-block;font-size:12px;font-weight:700;letter-spacing:var(--pp-track);
text-transform:uppercase;color:var(--pp-accent);margin-bottom:14px}
.pp-title{font-family:var(--pp-heading);font-weight:var(--pp-heading-weight);font-size:clamp(26px,4vw,36px);
line-height:1.3;letter-spacing:-.01em}
.pp-intro{color:var(--pp-muted);margin-top:14px;font-size:17px}
@media (max-width:640px){.pp{padding:56px 0}.pp-wrap{padding:0 20px}.pp-head{margin-bottom:32px}}
"""

HERO = """
.pp-hero{background:var(--pp-hero-bg);color:var(--pp-hero-ink);padding:96px 0 88px;overflow:hidden}
.pp-hero::before{content:"";position:absolute;width:560px;height:560px;border-radius:50%;
background:var(--pp-accent);opacity:.07;right:-200px;top:-240px}
.pp-hero__inner{max-width:880px;margin:0 auto;padding:0 32px;display:grid;gap:48px;align-items:center;
text-align:center;position:relative}
.pp-hero__inner.has-media{grid-template-columns:minmax(0,1.05fr) minmax(0,.95fr);text-align:left}
.pp-hero .pp-kicker{margin-bottom:18px}
.pp-hero__title{font-family:var(--pp-heading);font-weight:var(--pp-heading-weight);
font-size:clamp(34px,6vw,56px);line-height:1.15;letter-spacing:-.02em;margin-bottom:20px}
.pp-hero__lead{font-size:clamp(17px,2.2vw,20px);line-height:1.65;opacity:.88;max-width:34em;margin:0 auto}
.pp-hero__body{font-size:15px;line-height:1.75;opacity:.72;max-width:38em;margin:16px auto 0}
.has-media .pp-hero__lead,.has-media .pp-hero__body{margin-left:0}
.pp-hero__media img{width:100%;aspect-ratio:4/5;object-fit:cover;border-radius:var(--pp-radius);
box-shadow:0 28px 60px rgba(0,0,0,.16)}
.pp-badges{list-style:none;padding:0;margin:30px 0 0;display:flex;flex-wrap:wrap;gap:8px;
justify-content:center}
.has-media .pp-badges{justify-content:flex-start}
.pp-badges li{border:1px solid currentColor;border-radius:999px;padding:6px 15px;font-size:13px;opacity:.85}
.pp-hero--editorial .pp-hero__inner{text-align:left}
.pp-hero--editorial .pp-hero__copy{border-left:2px solid var(--pp-accent);padding-left:32px}
.pp-hero--editorial .pp-hero__title{font-size:clamp(38px,7vw,66px);font-weight:500}
.pp-hero--editorial .pp-hero__lead,.pp-hero--editorial .pp-hero__body{margin-left:0}
.pp-hero--editorial .pp-badges{justify-content:flex-start}
.pp-hero--editorial .pp-badges li{border-radius:0}
.pp-hero--warm .pp-kicker{background:var(--pp-accent);color:var(--pp-accent-ink);padding:7px 16px;
border-radius:999px;
letter-spacing:.12em}
.pp-hero--warm::before{opacity:.12;left:-280px;right:auto;top:auto;bottom:-400px}
.pp-hero--warm .pp-badges li{background:#fff;border-color:transparent;opacity:1;
box-shadow:0 2px 8px rgba(120,60,0,.08)}
.pp-hero--dark{background:radial-gradient(120% 90% at 80% 0%,#1d2b57 0%,var(--pp-hero-bg) 60%)}
.pp-hero--dark::before{width:100%;height:100%;border-radius:0;right:0;top:0;opacity:.5;background:
repeating-linear-gradient(0deg,transparent 0 47px,rgba(255,255,255,.05) 47px 48px),
repeating-linear-gradient(90deg,transparent 0 47px,rgba(255,255,255,.05) 47px 48px)}
.pp-hero--dark .pp-kicker{color:#7fa6ff}
.pp-hero--dark .pp-hero__title{background:linear-gradient(180deg,#fff 30%,#a9c1ff);
-webkit-background-clip:text;
background-clip:text;color:transparent}
.pp-hero--dark .pp-badges li{border-color:rgba(127,166,255,.5);color:#cfdcff}
.pp-hero--soft{background:radial-gradient(80% 70% at 50% 0%,#fff 0%,var(--pp-hero-bg) 70%)}
.pp-hero--soft::before{left:50%;margin-left:-280px;top:-380px;opacity:.1}
.pp-hero--soft .pp-hero__title{font-weight:400}
.pp-hero--soft .pp-badges li{background:rgba(255,255,255,.7);border-color:var(--pp-line);opacity:1}
.pp-hero--calm .pp-hero__inner{text-align:left}
.pp-hero--calm .pp-hero__lead,.pp-hero--calm .pp-hero__body{margin-left:0}
.pp-hero--calm .pp-badges{justify-content:flex-start}
.pp-hero--calm .pp-badges li{border-radius:var(--pp-radius);background:rgba(255,255,255,.55);
border-color:transparent}
.pp-hero--calm::before{border-radius:var(--pp-radius);transform:rotate(12deg)}
@media (max-width:720px){.pp-hero{padding:64px 0 56px}.pp-hero__inner{padding:0 22px;gap:32px}
.pp-hero__inner.has-media{grid-template-columns:1fr}.pp-hero--editorial .pp-hero__copy{padding-left:20px}}
"""

FEATURES = """
.pp-features{background:var(--pp-surface)}
.pp-features__grid{list-style:none;margin:0;padding:0;display:grid;
grid-template-columns:repeat(2,minmax(0,1fr));
gap:16px;counter-reset:pp-feature}
.pp-feature{counter-increment:pp-feature;background:var(--pp-bg);border:1px solid var(--pp-line);
border-radius:var(--pp-radius);padding:28px 26px 26px}
.pp-feature:last-child:nth-child(odd){grid-column:1/-1}
.pp-feature::before{content:counter(pp-feature,decimal-leading-zero);display:block;
font-family:var(--pp-heading);
font-size:30px;font-weight:700;line-height:1;color:var(--pp-accent);margin-bottom:16px}
.pp-feature p{font-size:16px;line-height:1.65}
.pp-features--list .pp-features__grid{grid-template-columns:1fr;gap:0;border-top:1px solid var(--pp-ink)}
.pp-features--list .pp-feature{background:none;border:0;border-bottom:1px solid var(--pp-line);
border-radius:0;
display:grid;grid-template-columns:72px 1fr;align-items:baseline;padding:22px 4px}
.pp-features--list .pp-feature::before{margin:0;font-size:22px}
@media (max-width:640px){.pp-features__grid{grid-template-columns:1fr}}
"""

STEPS = """
.pp-steps{background:var(--pp-bg)}
.pp-steps__list{list-style:none;margin:0 auto;padding:0;max-width:620px;counter-reset:pp-step}
.pp-step{counter-increment:pp-step;position:relative;padding:0 0 30px 68px;min-height:64px}
.pp-step::before{content:"";position:absolute;left:21px;top:46px;bottom:4px;width:2px;
background:var(--pp-line)}
.pp-step:last-child{padding-bottom:0}
.pp-step:last-child::before{display:none}
.pp-step::after{content:counter(pp-step);position:absolute;left:0;top:0;width:44px;height:44px;
border-radius:50%;
background:var(--pp-accent);color:var(--pp-accent-ink);font-weight:700;font-size:17px;display:flex;
align-items:center;justify-content:center;box-shadow:0 0 0 6px var(--pp-bg)}
.pp-step__no{display:block;font-size:12px;font-weight:700;letter-spacing:.16em;color:var(--pp-accent);
margin:2px 0 4px}
.pp-step p{font-size:16px;line-height:1.65}
.pp-tip{max-width:620px;margin:36px auto 0;background:var(--pp-surface);border:1px dashed var(--pp-accent);
border-radius:var(--pp-radius);padding:16px 20px;font-size:15px;color:var(--pp-muted)}
.pp-tip strong{color:var(--pp-accent);margin-right:10px;letter-spacing:.1em}
"""

SPECS = """
.pp-specs{background:var(--pp-surface)}
.pp-specs__table{width:100%;border-collapse:collapse;border-top:2px solid var(--pp-ink);font-size:15px}
.pp-specs__table th,.pp-specs__table td{padding:17px 20px;border-bottom:1px solid var(--pp-line);
text-align:left;
vertical-align:top}
.pp-specs__table th{width:32%;background:var(--pp-bg);font-weight:600;color:var(--pp-muted)}
.pp-note{margin-top:18px;font-size:13px;color:var(--pp-muted)}
.pp-note::before{content:"※ "}
@media (max-width:520px){.pp-specs__table th,.pp-specs__table td{display:block;width:100%}
.pp-specs__table th{border-bottom:0;padding-bottom:4px}.pp-specs__table td{padding-top:4px}}
"""

REVIEWS = """
.pp-reviews{background:var(--pp-accent-soft)}
.pp-rating{display:flex;align-items:baseline;justify-content:center;gap:10px;margin:-16px 0 36px}
.pp-rating__stars{color:var(--pp-accent);letter-spacing:3px;font-size:20px}
.pp-rating strong{font-size:34px;line-height:1;font-weight:800}
.pp-rating__of{color:var(--pp-muted)}
.pp-reviews__grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
.pp-review{background:var(--pp-surface);border-radius:var(--pp-radius);padding:50px 28px 24px;
position:relative;
box-shadow:0 1px 2px rgba(0,0,0,.04),0 8px 24px rgba(0,0,0,.05)}
.pp-review:last-child:nth-child(odd){grid-column:1/-1}
.pp-review::before{content:"\\201C";position:absolute;top:10px;left:24px;font-family:Georgia,serif;
font-size:64px;
line-height:1;color:var(--pp-accent);opacity:.25}
.pp-review blockquote{font-size:16px;line-height:1.7;position:relative}
.pp-review figcaption{margin-top:16px;font-size:13px;color:var(--pp-muted);font-weight:600}
.pp-review figcaption::before{content:"— "}
@media (max-width:640px){.pp-reviews__grid{grid-template-columns:1fr}}
"""

FAQ = """
.pp-faq{background:var(--pp-surface)}
.pp-faq__list{max-width:680px;margin:0 auto;display:grid;gap:12px}
.pp-faq__item{border:1px solid var(--pp-line);border-radius:var(--pp-radius);padding:22px 24px;
background:var(--pp-bg)}
.pp-faq__item dt,.pp-faq__item dd{position:relative;padding-left:38px;margin:0}
.pp-faq__item dt{font-weight:700;font-size:16px}
.pp-faq__item dd{margin-top:10px;color:var(--pp-muted);font-size:15px;line-height:1.7}
.pp-faq__item dt::before,.pp-faq__item dd::before{position:absolute;left:0;top:0;width:26px;height:26px;
border-radius:50%;display:flex;align-items:center;justify-content:center;font-size:13px;font-weight:800}
.pp-faq__item dt::before{content:"Q";background:var(--pp-accent);color:var(--pp-accent-ink)}
.pp-faq__item dd::before{content:"A";background:var(--pp-line);color:var(--pp-ink)}
"""

CTA = """
.pp-cta{background:var(--pp-bg)}
.pp-cta__panel{
background:linear-gradient(135deg,var(--pp-accent),color-mix(in srgb,var(--pp-accent) 70%,#000));
color:var(--pp-accent-ink);border-radius:var(--pp-radius);padding:64px 40px;text-align:center;
overflow:hidden;
position:relative}
.pp-cta__panel::after{content:"";position:absolute;width:340px;height:340px;border-radius:50%;
background:rgba(255,255,255,.08);right:-120px;bottom:-160px}
.pp-cta .pp-kicker{color:inherit;opacity:.8}
.pp-cta__title{font-family:var(--pp-heading);font-weight:var(--pp-heading-weight);
font-size:clamp(26px,4.4vw,40px);
line-height:1.25}
.pp-cta__text{margin:16px auto 0;max-width:32em;font-size:17px;opacity:.9}
.pp-cta__price{margin-top:22px;font-size:30px;font-weight:800;letter-spacing:-.01em}
.pp-btn{display:inline-block;margin-top:28px;background:var(--pp-accent-ink);color:var(--pp-accent);
font-weight:800;font-size:16px;padding:16px 40px;border-radius:999px;text-decoration:none;
box-shadow:0 10px 24px rgba(0,0,0,.18);position:relative;z-index:1}
.pp-cta__note{margin-top:18px;font-size:13px;opacity:.75}
@media (max-width:640px){.pp-cta__panel{padding:48px 24px}}
"""
