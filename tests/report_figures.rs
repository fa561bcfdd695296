//! Figures: every chart kind renders well-formed SVG that holds its data, bad input is
//! a clear error, and the same input gives the same bytes.

use scale_lab::Error;
use scale_lab::report::{Figure, Plot};

/// Latency of a queue as load grows: a curve with a knee.
fn knee(servers: f64) -> Vec<(f64, f64)> {
    (1..=19)
        .map(|i| {
            let load = i as f64 * 5.0 * servers;
            (load, 10.0 / (1.0 - load / (100.0 * servers)))
        })
        .collect()
}

/// Deterministic samples with a long tail.
fn samples(n: usize, scale: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let u = (i as f64 + 0.5) / n as f64;
            scale * -(1.0 - u).ln() + 1.0
        })
        .collect()
}

/// One figure of every kind, with English labels.
fn gallery() -> Vec<(&'static str, Figure)> {
    let lines = Plot::lines("Latency vs load")
        .subtitle("p99 of one and two servers, seed 42")
        .x_label("load (requests/s)")
        .y_label("p99 latency (ms)")
        .series("1 server", &knee(1.0))
        .series("2 servers", &knee(2.0))
        .markers()
        .render()
        .unwrap();
    let log = Plot::lines("Hit ratio vs cache size")
        .x_label("cache size (entries)")
        .y_label("miss ratio")
        .series(
            "LRU",
            &[
                (10.0, 0.6),
                (100.0, 0.31),
                (1000.0, 0.12),
                (10000.0, 0.031),
                (100000.0, 0.004),
            ],
        )
        .series(
            "LFU",
            &[
                (10.0, 0.55),
                (100.0, 0.27),
                (1000.0, 0.1),
                (10000.0, 0.022),
                (100000.0, 0.003),
            ],
        )
        .log_x()
        .log_y()
        .markers()
        .render()
        .unwrap();
    let bars = Plot::bars("Throughput by balancing policy")
        .categories(["round robin", "random", "least connections", "two choices"])
        .series("even servers", &[980.0, 955.0, 990.0, 992.0])
        .series("one slow server", &[610.0, 640.0, 905.0, 930.0])
        .y_label("requests/s")
        .show_values()
        .render()
        .unwrap();
    let cdf = Plot::cdf("Response time distribution")
        .x_label("response time (ms)")
        .samples("with cache", &samples(5000, 4.0))
        .samples("without cache", &samples(5000, 20.0))
        .log_values()
        .render()
        .unwrap();
    let percentiles = Plot::percentiles("Tail latency")
        .y_label("latency (ms)")
        .samples("measured", &samples(100_000, 5.0))
        .points(
            "SLO",
            &[(50.0, 20.0), (90.0, 40.0), (99.0, 80.0), (99.9, 150.0)],
        )
        .markers()
        .render()
        .unwrap();
    let series: Vec<(f64, f64)> = (0..=120)
        .map(|s| {
            let t = s as f64;
            (
                t,
                if (60.0..90.0).contains(&t) {
                    140.0 + (t - 60.0)
                } else {
                    48.0 + (t * 0.7).sin() * 6.0
                },
            )
        })
        .collect();
    let time = Plot::time_series("p99 while a server fails")
        .y_label("p99 (ms)")
        .series("p99", &series)
        .series(
            "p50",
            &series
                .iter()
                .map(|&(t, v)| (t, v / 3.0))
                .collect::<Vec<_>>(),
        )
        .window("server 2 down", 60.0, 90.0)
        .event("deploy", 20.0)
        .event("alert", 64.0)
        .render()
        .unwrap();
    let heat = Plot::heatmap("Keys per shard")
        .rows(["shard 0", "shard 1", "shard 2", "shard 3"])
        .columns(["range", "hash", "consistent", "virtual nodes"])
        .values(&[
            [4100.0, 2510.0, 2900.0, 2480.0],
            [2200.0, 2490.0, 1800.0, 2530.0],
            [1900.0, 2500.0, 3100.0, 2470.0],
            [1800.0, 2500.0, 2200.0, 2520.0],
        ])
        .x_label("partitioning")
        .scale_label("keys")
        .render()
        .unwrap();
    vec![
        ("lines", lines),
        ("log", log),
        ("bars", bars),
        ("cdf", cdf),
        ("percentiles", percentiles),
        ("time_series", time),
        ("heatmap", heat),
    ]
}

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed SVG: {e}"))
}

/// The polylines drawn in `color` with the data stroke width, as point counts.
fn data_lines(doc: &roxmltree::Document<'_>, color: &str) -> Vec<usize> {
    doc.descendants()
        .filter(|n| {
            n.has_tag_name("polyline")
                && n.attribute("stroke") == Some(color)
                && n.attribute("stroke-width") == Some("2")
        })
        .map(|n| n.attribute("points").unwrap().split_whitespace().count())
        .collect()
}

fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

#[test]
fn every_chart_kind_renders_well_formed_svg_and_saves() {
    let dir = std::env::temp_dir().join("scale-lab-report-gallery");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, figure) in gallery() {
        let doc = parse(figure.svg());
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{name}");
        assert_eq!(root.attribute("width"), Some("720"), "{name}");
        assert!(doc.descendants().any(|n| n.has_tag_name("title")), "{name}");
        // The panel: rounded, light, first thing drawn.
        let panel = root.children().find(|n| n.has_tag_name("rect")).unwrap();
        assert_eq!(
            (panel.attribute("rx"), panel.attribute("fill")),
            (Some("10"), Some("#FFFFFF"))
        );
        // Every text carries the Korean-capable font list, quotes intact after parsing.
        for text in doc.descendants().filter(|n| n.has_tag_name("text")) {
            assert!(
                text.attribute("font-family")
                    .unwrap()
                    .starts_with("'Noto Sans KR', "),
                "{name}"
            );
        }
        let path = dir.join(format!("{name}.svg"));
        figure.save(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), figure.svg());
    }
}

#[test]
fn lines_hold_every_point_and_name_every_series() {
    let figure = Plot::lines("t")
        .series("a & <b>", &knee(1.0))
        .series("c", &knee(2.0))
        .render()
        .unwrap();
    let doc = parse(figure.svg());
    // Blue and vermillion: the first two colours of the palette.
    assert_eq!(
        data_lines(&doc, "#0072B2"),
        vec![2, 19],
        "legend swatch, then the data"
    );
    assert_eq!(data_lines(&doc, "#D55E00"), vec![2, 19]);
    let texts = texts(&doc);
    assert!(texts.contains(&"a & <b>".to_string()), "{texts:?}");
    assert!(figure.svg().contains("a &amp; &lt;b&gt;"));
    assert!(texts.contains(&"c".to_string()));
}

#[test]
fn markers_mark_every_point() {
    let points = [(1.0, 2.0), (2.0, 3.0), (3.0, 5.0)];
    let figure = Plot::lines("t")
        .series("only", &points)
        .markers()
        .render()
        .unwrap();
    let circles = parse(figure.svg())
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    assert_eq!(
        circles,
        points.len() + 1,
        "one per point and one in the legend"
    );
}

#[test]
fn tick_labels_are_round_numbers() {
    let points: Vec<(f64, f64)> = (0..=10)
        .map(|i| (i as f64 * 0.1, i as f64 * 0.03))
        .collect();
    let figure = Plot::lines("t").series("s", &points).render().unwrap();
    let texts = texts(&parse(figure.svg()));
    for label in ["0", "0.1", "0.3", "0.6", "1"] {
        assert!(
            texts.contains(&label.to_string()),
            "{label} missing from {texts:?}"
        );
    }
    for text in &texts {
        assert!(text.len() < 8, "unreadable label {text}");
    }
}

#[test]
fn log_axes_have_decade_ticks() {
    let texts = texts(&parse(gallery()[1].1.svg()));
    for label in ["10", "100", "1,000", "10k", "100k", "0.01", "0.1"] {
        assert!(
            texts.contains(&label.to_string()),
            "{label} missing from {texts:?}"
        );
    }
}

#[test]
fn bars_draw_one_rectangle_per_value() {
    let figure = Plot::bars("t")
        .categories(["a", "b", "c"])
        .series("x", &[1.0, -2.0, 3.0])
        .series("y", &[4.0, 5.0, 6.0])
        .show_values()
        .render()
        .unwrap();
    let doc = parse(figure.svg());
    let filled = |color: &str| {
        doc.descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(color))
            .count()
    };
    assert_eq!(filled("#0072B2"), 3 + 1, "three bars and a legend swatch");
    assert_eq!(filled("#D55E00"), 3 + 1);
    let texts = texts(&doc);
    for label in ["a", "b", "c", "-2", "6", "x", "y"] {
        assert!(
            texts.contains(&label.to_string()),
            "{label} missing from {texts:?}"
        );
    }
}

#[test]
fn a_single_bar_series_needs_no_legend() {
    let figure = Plot::bars("t")
        .categories(["a", "b"])
        .series("only", &[1.0, 2.0])
        .render()
        .unwrap();
    assert!(!texts(&parse(figure.svg())).contains(&"only".to_string()));
}

#[test]
fn cdf_of_few_samples_has_a_point_per_sample() {
    let figure = Plot::cdf("t")
        .samples("s", &[5.0, 1.0, 3.0, 2.0, 4.0])
        .render()
        .unwrap();
    assert_eq!(data_lines(&parse(figure.svg()), "#0072B2"), vec![2, 5]);
    let figure = Plot::percentiles("t")
        .points("p", &[(50.0, 1.0), (99.0, 9.0), (90.0, 4.0)])
        .render()
        .unwrap();
    let doc = parse(figure.svg());
    assert_eq!(data_lines(&doc, "#0072B2"), vec![2, 3]);
    let texts = texts(&doc);
    for label in ["50%", "90%", "99%", "percentile"] {
        assert!(
            texts.contains(&label.to_string()),
            "{label} missing from {texts:?}"
        );
    }
}

#[test]
fn time_series_shades_windows_and_labels_them_above_the_plot() {
    let figure = &gallery()[5].1;
    let doc = parse(figure.svg());
    let shades: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("opacity") == Some("0.13"))
        .collect();
    assert_eq!(shades.len(), 1);
    let texts = texts(&doc);
    for label in ["server 2 down", "deploy", "alert", "time (s)"] {
        assert!(
            texts.contains(&label.to_string()),
            "{label} missing from {texts:?}"
        );
    }
    assert_eq!(data_lines(&doc, "#0072B2"), vec![2, 121]);
    // The labels sit above the plot: above every horizontal grid line.
    let y_of = |label: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(label))
            .and_then(|n| n.attribute("y"))
            .unwrap()
            .parse::<i32>()
            .unwrap()
    };
    let top_grid = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some("#E3E7EB"))
        .map(|n| {
            n.attribute("points")
                .unwrap()
                .split([',', ' '])
                .nth(1)
                .unwrap()
                .parse::<i32>()
                .unwrap()
        })
        .min()
        .unwrap();
    for label in ["server 2 down", "deploy", "alert"] {
        assert!(
            y_of(label) < top_grid,
            "{label} at {} is inside the plot (top {top_grid})",
            y_of(label)
        );
    }
}

#[test]
fn heat_map_draws_every_cell_and_its_scale() {
    let figure = Plot::heatmap("t")
        .rows(["r0", "r1"])
        .columns(["c0", "c1", "c2"])
        .values(&[vec![0.0, 1.0, 2.0], vec![3.0, 4.0, 5.0]])
        .render()
        .unwrap();
    let doc = parse(figure.svg());
    let texts = texts(&doc);
    for label in ["r0", "r1", "c0", "c2"] {
        assert!(
            texts.contains(&label.to_string()),
            "{label} missing from {texts:?}"
        );
    }
    // The lowest value is darkest purple, the highest yellow.
    assert!(
        doc.descendants()
            .any(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#440154"))
    );
    assert!(
        doc.descendants()
            .any(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#FDE725"))
    );
    // Row r0 is drawn above row r1.
    let y_of = |label: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(label))
            .and_then(|n| n.attribute("y"))
            .unwrap()
            .parse::<i32>()
            .unwrap()
    };
    assert!(y_of("r0") < y_of("r1"));
}

#[test]
fn same_input_same_bytes() {
    let first: Vec<String> = gallery()
        .into_iter()
        .map(|(_, f)| f.svg().to_string())
        .collect();
    let second: Vec<String> = gallery()
        .into_iter()
        .map(|(_, f)| f.svg().to_string())
        .collect();
    assert_eq!(first, second);
}

fn report_message(result: scale_lab::Result<Figure>) -> String {
    match result {
        Err(Error::Report(message)) => message,
        other => panic!("expected Error::Report, got {other:?}"),
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    let message = report_message(Plot::lines("L").render());
    assert_eq!(
        message,
        "line plot \"L\": no series to draw; add one with .series(name, &points)"
    );
    let message = report_message(Plot::lines("L").series("p99", &[]).render());
    assert_eq!(message, "line plot \"L\": series \"p99\" has no points");
    let message = report_message(
        Plot::lines("L")
            .series(
                "p99",
                &[(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, f64::NAN)],
            )
            .render(),
    );
    assert_eq!(
        message,
        "line plot \"L\": series \"p99\", point 3 is (3, NaN); x and y must be finite numbers"
    );
    let message = report_message(
        Plot::lines("L")
            .series("a", &[(f64::INFINITY, 1.0)])
            .render(),
    );
    assert!(message.contains("point 0 is (inf, 1)"), "{message}");
    let message = report_message(Plot::lines("L").series("a", &[(0.0, 1.0)]).log_x().render());
    assert!(
        message.contains("point 0 has x = 0, which a log x axis cannot show (it needs x > 0)"),
        "{message}"
    );
    let message = report_message(
        Plot::lines("L")
            .series_xy("xy", &[1.0, 2.0], &[1.0])
            .render(),
    );
    assert_eq!(
        message,
        "line plot \"L\": series \"xy\" has 2 x values but 1 y values"
    );
    let message = report_message(
        Plot::lines("L")
            .series("a", &[(0.0, 1.0)])
            .series("a", &[(0.0, 1.0)])
            .render(),
    );
    assert_eq!(message, "line plot \"L\": two series are named \"a\"");
    let message = report_message(Plot::lines("L").series(" ", &[(0.0, 1.0)]).render());
    assert_eq!(message, "line plot \"L\": a series has an empty name");

    let message = report_message(Plot::bars("B").series("s", &[1.0]).render());
    assert!(message.contains("no categories"), "{message}");
    let message = report_message(
        Plot::bars("B")
            .categories(["a", "b"])
            .series("s", &[1.0])
            .render(),
    );
    assert_eq!(
        message,
        "bar chart \"B\": series \"s\" has 1 values for 2 categories"
    );
    let message = report_message(
        Plot::bars("B")
            .categories(["a", "b"])
            .series("s", &[1.0, f64::NAN])
            .render(),
    );
    assert!(
        message.contains("series \"s\", value 1 (b) is NaN"),
        "{message}"
    );

    let message = report_message(Plot::cdf("C").samples("s", &[]).render());
    assert_eq!(message, "CDF plot \"C\": series \"s\" has no samples");
    let message = report_message(
        Plot::cdf("C")
            .samples("s", &[1.0, -1.0])
            .log_values()
            .render(),
    );
    assert!(
        message.contains("series \"s\", sample 1 is -1; each value must be a finite number > 0"),
        "{message}"
    );
    let message = report_message(
        Plot::percentiles("P")
            .points("s", &[(50.0, 1.0), (100.0, 2.0)])
            .render(),
    );
    assert!(
        message.contains("point 1 has percentile 100; percentiles go from 0 to below 100"),
        "{message}"
    );
    let message = report_message(Plot::cdf("C").points("s", &[(101.0, 2.0)]).render());
    assert!(
        message.contains("point 0 has percentile 101; percentiles go from 0 to 100"),
        "{message}"
    );

    let message = report_message(
        Plot::time_series("T")
            .series("s", &[(0.0, 1.0)])
            .window("w", 5.0, 5.0)
            .render(),
    );
    assert_eq!(
        message,
        "time series \"T\": window \"w\" goes from 5 to 5; it needs finite times with from < to"
    );
    let message = report_message(
        Plot::time_series("T")
            .series("s", &[(0.0, 1.0)])
            .event("e", f64::NAN)
            .render(),
    );
    assert!(message.contains("event \"e\" is at NaN"), "{message}");

    let message = report_message(
        Plot::heatmap("H")
            .rows(["a"])
            .columns(["x", "y"])
            .values(&[[1.0]])
            .render(),
    );
    assert_eq!(
        message,
        "heat map \"H\": row 0 (\"a\") has 1 values for 2 columns"
    );
    let message = report_message(
        Plot::heatmap("H")
            .rows(["a", "b"])
            .columns(["x"])
            .values(&[[1.0]])
            .render(),
    );
    assert_eq!(message, "heat map \"H\": 1 rows of values for 2 row names");
    let message = report_message(
        Plot::heatmap("H")
            .rows(["a"])
            .columns(["x"])
            .values(&[[f64::NAN]])
            .render(),
    );
    assert!(
        message.contains("row 0 (\"a\"), column 0 (\"x\") is NaN"),
        "{message}"
    );
    let message = report_message(Plot::heatmap("H").render());
    assert!(message.contains("it needs rows and columns"), "{message}");

    match Plot::lines("L")
        .series("a", &[(0.0, 1.0)])
        .size(100, 400)
        .render()
    {
        Err(Error::InvalidParameter { name: "width", .. }) => {}
        other => panic!("expected a width error, got {other:?}"),
    }
    let crowded = Plot::lines("a very long title that wraps ".repeat(12))
        .series("a", &[(0.0, 1.0)])
        .size(240, 200)
        .render();
    assert!(report_message(crowded).contains("make it taller"));
}

#[test]
fn one_point_and_flat_data_still_render() {
    let one = Plot::lines("t")
        .series("a", &[(3.0, 7.0)])
        .render()
        .unwrap();
    assert_eq!(data_lines(&parse(one.svg()), "#0072B2"), vec![2, 1]);
    let flat = Plot::heatmap("t")
        .rows(["a"])
        .columns(["b"])
        .values(&[[2.0]])
        .render()
        .unwrap();
    parse(flat.svg());
    let same = Plot::cdf("t")
        .samples("s", &[4.0, 4.0, 4.0])
        .log_values()
        .render()
        .unwrap();
    parse(same.svg());
}
