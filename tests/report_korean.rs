//! Korean labels: present, escaped, laid out with Hangul's real width, and the default
//! axis titles follow the language. (A test binary of its own: it sets the language.)

use scale_lab::report::Plot;
use scale_lab::{Lang, set_lang, t};

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed SVG: {e}"))
}

/// Every `<text>`: its content, x and y.
fn texts(doc: &roxmltree::Document<'_>) -> Vec<(String, i32, i32)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let number = |a: &str| n.attribute(a).unwrap().parse::<i32>().unwrap();
            (
                n.text().unwrap_or("").trim().to_string(),
                number("x"),
                number("y"),
            )
        })
        .collect()
}

fn korean_figures() -> Vec<(&'static str, scale_lab::report::Figure)> {
    set_lang(Lang::Ko);
    let load: Vec<(f64, f64)> = (1..=9)
        .map(|i| (i as f64 * 10.0, 10.0 / (1.0 - i as f64 / 10.0)))
        .collect();
    let lines = Plot::lines(t(
        "지연 시간 대 부하: 서버 한 대가 감당하는 한계",
        "Latency vs load",
    ))
    .subtitle(t("시드 42, 요청 10만 건", "seed 42"))
    .x_label(t("부하 (초당 요청 수)", "load (requests/s)"))
    .y_label(t("99번째 백분위 지연 (ms)", "p99 (ms)"))
    .series(t("서버 1대 <단일>", "1 server"), &load)
    .series(
        t("서버 2대 & 로드 밸런서", "2 servers"),
        &load.iter().map(|&(x, y)| (x, y / 2.0)).collect::<Vec<_>>(),
    )
    .series(
        t("캐시 적용", "cached"),
        &load.iter().map(|&(x, y)| (x, y / 4.0)).collect::<Vec<_>>(),
    )
    .series(
        t("읽기 전용 복제본 추가", "replicas"),
        &load.iter().map(|&(x, y)| (x, y / 3.0)).collect::<Vec<_>>(),
    )
    .markers()
    .render()
    .unwrap();
    let bars = Plot::bars(t("정책별 처리량", "Throughput by policy"))
        .categories([
            "라운드 로빈",
            "무작위",
            "최소 연결",
            "두 개 중 선택",
            "가중치 라운드 로빈",
            "IP 해시",
        ])
        .series("처리량", &[980.0, 955.0, 990.0, 992.0, 970.0, 940.0])
        .y_label("초당 요청 수")
        .render()
        .unwrap();
    let time = Plot::time_series(t("서버 장애 중 p99", "p99 during a failure"))
        .series(
            "p99",
            &(0..=120)
                .map(|s| (s as f64, if (60..90).contains(&s) { 150.0 } else { 50.0 }))
                .collect::<Vec<_>>(),
        )
        .window("2번 서버 중단", 60.0, 90.0)
        .event("배포", 30.0)
        .render()
        .unwrap();
    let heat = Plot::heatmap(t("샤드별 키 수", "Keys per shard"))
        .rows(["샤드 0", "샤드 1"])
        .columns(["범위", "해시", "안정 해시"])
        .values(&[[10.0, 5.0, 6.0], [1.0, 5.0, 4.0]])
        .scale_label("키 수")
        .render()
        .unwrap();
    let cdf = Plot::percentiles(t("꼬리 지연", "tail"))
        .samples("측정값", &(1..=500).map(f64::from).collect::<Vec<_>>())
        .render()
        .unwrap();
    vec![
        ("ko_lines", lines),
        ("ko_bars", bars),
        ("ko_time_series", time),
        ("ko_heatmap", heat),
        ("ko_percentiles", cdf),
    ]
}

#[test]
fn korean_labels_are_present_escaped_and_default_titles_are_korean() {
    let dir = std::env::temp_dir().join("scale-lab-report-gallery");
    std::fs::create_dir_all(&dir).unwrap();
    let figures = korean_figures();
    for (name, figure) in &figures {
        figure.save(dir.join(format!("{name}.svg"))).unwrap();
        parse(figure.svg());
    }
    let lines = figures[0].1.svg();
    assert!(lines.contains("서버 1대 &lt;단일&gt;"));
    assert!(lines.contains("서버 2대 &amp; 로드 밸런서"));
    assert!(lines.contains("<title>지연 시간 대 부하: 서버 한 대가 감당하는 한계</title>"));
    let texts = |i: usize| {
        texts(&parse(figures[i].1.svg()))
            .into_iter()
            .map(|t| t.0)
            .collect::<Vec<_>>()
    };
    assert!(texts(0).contains(&"99번째 백분위 지연 (ms)".to_string()));
    assert!(
        texts(2).contains(&"시간 (초)".to_string()),
        "default x title in Korean"
    );
    assert!(texts(2).contains(&"2번 서버 중단".to_string()));
    assert!(texts(4).contains(&"백분위".to_string()));
    assert!(texts(3).contains(&"키 수".to_string()));
}

#[test]
fn korean_legend_entries_do_not_overlap_and_stay_inside() {
    let figures = korean_figures();
    let doc = parse(figures[0].1.svg());
    let all = texts(&doc);
    let names = [
        "서버 1대 <단일>",
        "서버 2대 & 로드 밸런서",
        "캐시 적용",
        "읽기 전용 복제본 추가",
    ];
    let mut entries: Vec<(String, i32, i32)> = all
        .into_iter()
        .filter(|t| names.contains(&t.0.as_str()))
        .collect();
    assert_eq!(entries.len(), 4);
    entries.sort_by_key(|e| (e.2, e.1));
    for pair in entries.windows(2) {
        let ((a, ax, ay), (_, bx, by)) = (&pair[0], &pair[1]);
        if ay == by {
            // A Hangul syllable is about one em (12.5 px) wide in the browser.
            let real_width = a
                .chars()
                .map(|c| if c.is_ascii() { 7 } else { 13 })
                .sum::<i32>();
            assert!(
                ax + real_width < *bx,
                "{a} at {ax} runs into the next entry at {bx}"
            );
        }
    }
    for (name, x, _) in &entries {
        let width = name
            .chars()
            .map(|c| if c.is_ascii() { 7 } else { 13 })
            .sum::<i32>();
        assert!(x + width <= 720 - 8, "{name} runs off the figure");
    }
}

fn turned(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| {
            n.has_tag_name("text")
                && n.attribute("transform")
                    .is_some_and(|t| t.starts_with("rotate(270"))
        })
        .map(|n| n.text().unwrap().trim().to_string())
        .collect()
}

#[test]
fn long_korean_categories_wrap_at_spaces_within_their_slot() {
    let figures = korean_figures();
    let doc = parse(figures[1].1.svg());
    assert_eq!(
        turned(&doc),
        vec!["초당 요청 수".to_string()],
        "only the y axis title is upright"
    );
    let all = texts(&doc);
    let line = |text: &str| {
        all.iter()
            .find(|t| t.0 == text)
            .unwrap_or_else(|| panic!("{text} missing: {all:?}"))
    };
    // "가중치 라운드 로빈" breaks into two lines under its bar, centred on the same x.
    let (first, second) = (line("가중치 라운드"), line("로빈"));
    assert_eq!(first.1, second.1);
    assert!(second.2 > first.2);
    // Neighbouring labels keep clear of each other (a syllable is at most 12 px wide).
    let slots: Vec<i32> = ["라운드 로빈", "무작위", "최소 연결"]
        .iter()
        .map(|l| line(l).1)
        .collect();
    assert!(
        slots[1] - slots[0] > (6 * 12 + 12) / 2 + 3 * 12 / 2,
        "{slots:?}"
    );
}

#[test]
fn category_words_too_long_for_their_slot_turn_upright() {
    let names: Vec<String> = (0..8).map(|i| format!("아주긴카테고리이름{i}")).collect();
    let figure = Plot::bars("긴 이름")
        .categories(&names)
        .series("값", &[1.0; 8])
        .render()
        .unwrap();
    let turned = turned(&parse(figure.svg()));
    assert_eq!(turned, names, "{turned:?}");
}
