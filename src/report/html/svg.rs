//! The pictures, as geometry: the service map, the dependency structure matrix and the
//! data-ownership matrix. Only numbers and the labels to print come out of here; the template
//! writes the SVG elements, so every label is escaped by askama like the rest of the page.
//! Layouts are deterministic: positions follow the services' order and sizes, never a
//! random seed or a hash order.

use std::collections::BTreeMap;
use std::f64::consts::PI;

use crate::cluster::Proposal;

/// A service box on the map.
#[derive(Debug, Clone)]
pub struct MapBox {
    pub name: String,
    pub anchor: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub cx: f64,
    pub cy: f64,
    pub detail: String,
}

/// A weighted arrow between two services.
#[derive(Debug, Clone)]
pub struct MapArrow {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    pub width: f64,
    pub title: String,
}

/// A shared table, drawn between the services that use it.
#[derive(Debug, Clone)]
pub struct MapTable {
    pub name: String,
    pub cx: f64,
    pub cy: f64,
    pub links: Vec<(f64, f64)>,
    pub title: String,
}

#[derive(Debug, Clone, Default)]
pub struct ServiceMap {
    pub width: f64,
    pub height: f64,
    pub boxes: Vec<MapBox>,
    pub arrows: Vec<MapArrow>,
    pub tables: Vec<MapTable>,
}

/// One cell of a matrix picture.
#[derive(Debug, Clone)]
pub struct Cell {
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub fill: String,
    pub text: String,
    pub title: String,
}

/// A row or column label.
#[derive(Debug, Clone)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Matrix {
    pub width: f64,
    pub height: f64,
    pub cells: Vec<Cell>,
    pub rows: Vec<Label>,
    pub cols: Vec<Label>,
}

const MAP_MARGIN: f64 = 50.0;
/// Vertical distance between stacked shared tables (drum and label).
const TABLE_GAP: f64 = 30.0;
const MIN_BOX: f64 = 70.0;
const MAX_BOX: f64 = 170.0;

pub fn anchor(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("svc-{clean}")
}

/// Services on a circle (in proposal order, so the map is the same on every run), boxes with
/// an area proportional to their lines, arrows as wide as the log of the calls between them,
/// shared tables on an inner circle at the mean angle of their users.
pub fn service_map(p: &Proposal) -> ServiceMap {
    let n = p.services.len();
    if n == 0 {
        return ServiceMap::default();
    }
    let max_lines = p
        .services
        .iter()
        .map(|s| s.metrics.lines)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let sizes: Vec<f64> = p
        .services
        .iter()
        .map(|s| {
            let r = (f64::from(s.metrics.lines.max(1)) / max_lines).sqrt();
            MIN_BOX + (MAX_BOX - MIN_BOX) * r
        })
        .collect();
    // Wide enough for the name (bold 13px: about 8.5 px a character).
    let widths: Vec<f64> = p
        .services
        .iter()
        .zip(&sizes)
        .map(|(s, &size)| size.max(s.name.chars().count() as f64 * 8.5 + 20.0))
        .collect();
    let widest = widths.iter().copied().fold(MAX_BOX, f64::max);
    let radius = if n == 1 {
        0.0
    } else {
        // A circumference of all the boxes side by side with gaps: neighbours do not touch,
        // and one long name does not blow the whole map up.
        (widths.iter().sum::<f64>() * 1.3 / (2.0 * PI)).max(170.0)
    };
    let center = radius + MAP_MARGIN + widest / 2.0;
    // Each box gets an arc proportional to its width, so wide neighbours keep apart.
    let total: f64 = widths.iter().sum();
    let starts: Vec<f64> = widths
        .iter()
        .scan(0.0, |acc, w| {
            let mid = *acc + w / 2.0;
            *acc += w;
            Some(mid)
        })
        .collect();
    let angle = |i: usize| -PI / 2.0 + 2.0 * PI * starts[i] / total;
    let mut boxes = Vec::with_capacity(n);
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, s) in p.services.iter().enumerate() {
        let (cx, cy) = (
            center + radius * angle(i).cos(),
            center + radius * angle(i).sin(),
        );
        let w = widths[i];
        let h = sizes[i] * 0.62;
        index.insert(s.name.as_str(), i);
        boxes.push(MapBox {
            name: s.name.clone(),
            anchor: anchor(&s.name),
            x: round(cx - w / 2.0),
            y: round(cy - h / 2.0),
            w: round(w),
            h: round(h),
            cx: round(cx),
            cy: round(cy + 5.0),
            detail: format!(
                "{} lines · {} routes · {} tables",
                s.metrics.lines, s.metrics.routes, s.metrics.tables
            ),
        });
    }
    // Calls between services, both directions summed per ordered pair.
    let pairs: BTreeMap<(usize, usize), u32> = p
        .calls_between()
        .into_iter()
        .filter_map(|((a, b), n)| Some(((*index.get(a)?, *index.get(b)?), n)))
        .collect();
    let arrows = pairs
        .iter()
        .map(|(&(a, b), &count)| {
            let (ax, ay) = (boxes[a].x + boxes[a].w / 2.0, boxes[a].y + boxes[a].h / 2.0);
            let (bx, by) = (boxes[b].x + boxes[b].w / 2.0, boxes[b].y + boxes[b].h / 2.0);
            // Stop at the target box's edge, and offset the two directions apart.
            let (dx, dy) = (bx - ax, by - ay);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            let (ox, oy) = (-uy * 6.0, ux * 6.0);
            let stop = (boxes[b].w / 2.0)
                .min(boxes[b].h / 2.0 / uy.abs().max(0.01))
                .min(boxes[b].w / 2.0 / ux.abs().max(0.01))
                + 6.0;
            let start = (boxes[a].w / 2.0)
                .min(boxes[a].h / 2.0 / uy.abs().max(0.01))
                .min(boxes[a].w / 2.0 / ux.abs().max(0.01));
            MapArrow {
                x1: round(ax + ux * start + ox),
                y1: round(ay + uy * start + oy),
                x2: round(bx - ux * stop + ox),
                y2: round(by - uy * stop + oy),
                width: round(1.0 + f64::from(count).ln_1p() * 1.2),
                title: format!(
                    "{} → {}: {count} call{}",
                    boxes[a].name,
                    boxes[b].name,
                    if count == 1 { "" } else { "s" }
                ),
            }
        })
        .collect();
    let inner = radius * 0.45;
    let mut placed: Vec<(f64, f64)> = Vec::new();
    let tables = p
        .shared_tables
        .iter()
        .map(|t| {
            let mut users: Vec<usize> = t
                .readers
                .iter()
                .chain(&t.writers)
                .chain(t.owner.iter())
                .filter_map(|u| index.get(u.as_str()).copied())
                .collect();
            users.sort_unstable();
            users.dedup();
            let (sx, sy) = users.iter().fold((0.0, 0.0), |(x, y), &i| {
                (x + angle(i).cos(), y + angle(i).sin())
            });
            let m = users.len().max(1) as f64;
            let (x, mut y) = (sx / m * inner, sy / m * inner);
            // Tables used by the same services land on one spot: stack them downwards, far
            // enough apart for their labels.
            while placed
                .iter()
                .any(|&(px, py)| (px - x).abs() < 70.0 && (py - y).abs() < TABLE_GAP)
            {
                y += TABLE_GAP;
            }
            placed.push((x, y));
            let (cx, cy) = (center + x, center + y);
            MapTable {
                name: t.table.trim_start_matches("table:").to_owned(),
                cx: round(cx),
                cy: round(cy),
                links: users
                    .iter()
                    .map(|&i| (boxes[i].x + boxes[i].w / 2.0, boxes[i].y + boxes[i].h / 2.0))
                    .map(|(x, y)| (round(x), round(y)))
                    .collect(),
                title: format!(
                    "{}: owner {}, readers {}, writers {}",
                    t.table.trim_start_matches("table:"),
                    t.owner.as_deref().unwrap_or("none"),
                    t.readers.join(", "),
                    t.writers.join(", ")
                ),
            }
        })
        .collect();
    let side = round(2.0 * center);
    ServiceMap {
        width: side,
        height: side,
        boxes,
        arrows,
        tables,
    }
}

/// A small line chart of one metric over the snapshots in history.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    pub title: String,
    pub width: f64,
    pub height: f64,
    /// `x,y x,y ...` for a polyline.
    pub points: String,
    pub dots: Vec<(f64, f64, String)>,
    pub low: String,
    pub high: String,
}

const CHART_W: f64 = 360.0;
const CHART_H: f64 = 140.0;
const CHART_PAD: f64 = 24.0;

/// `values` oldest first, with a label (date, commit) per point.
pub fn chart(title: &str, values: &[(f64, String)]) -> Chart {
    let lo = values.iter().map(|v| v.0).fold(f64::INFINITY, f64::min);
    let hi = values.iter().map(|v| v.0).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let span = if (hi - lo).abs() < 1e-9 { 1.0 } else { hi - lo };
    let n = values.len().max(2) - 1;
    let dots: Vec<(f64, f64, String)> = values
        .iter()
        .enumerate()
        .map(|(i, (v, label))| {
            let x = CHART_PAD + (CHART_W - 2.0 * CHART_PAD) * i as f64 / n as f64;
            let y = CHART_H - CHART_PAD - (CHART_H - 2.0 * CHART_PAD) * (v - lo) / span;
            (round(x), round(y), format!("{label}: {}", fmt_num(*v)))
        })
        .collect();
    Chart {
        title: title.to_owned(),
        width: CHART_W,
        height: CHART_H,
        points: dots
            .iter()
            .map(|(x, y, _)| format!("{x},{y}"))
            .collect::<Vec<_>>()
            .join(" "),
        dots,
        low: fmt_num(lo),
        high: fmt_num(hi),
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

const CELL: f64 = 28.0;
const LABEL_SPACE: f64 = 150.0;

fn heat(value: f64, max: f64, rgb: (u8, u8, u8)) -> String {
    if value <= 0.0 {
        return "#f6f7f9".to_owned();
    }
    let t = (value.ln_1p() / max.ln_1p().max(1e-9)).clamp(0.15, 1.0);
    let mix = |c: u8| (255.0 - (255.0 - f64::from(c)) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(rgb.0), mix(rgb.1), mix(rgb.2))
}

/// Services × services: cell (row a, column b) counts calls from a to b.
pub fn dsm(p: &Proposal) -> Matrix {
    let names: Vec<&str> = p.services.iter().map(|s| s.name.as_str()).collect();
    let pos = |n: &str| names.iter().position(|x| *x == n);
    let mut counts = vec![vec![0u32; names.len()]; names.len()];
    for ((from, to), n) in p.calls_between() {
        if let (Some(a), Some(b)) = (pos(from), pos(to)) {
            counts[a][b] += n;
        }
    }
    let max = counts.iter().flatten().copied().max().unwrap_or(0) as f64;
    let mut m = matrix_frame(&names, &names);
    for (a, row) in counts.iter().enumerate() {
        for (b, &v) in row.iter().enumerate() {
            let diag = a == b;
            m.cells.push(Cell {
                x: LABEL_SPACE + b as f64 * CELL,
                y: LABEL_SPACE + a as f64 * CELL,
                size: CELL - 2.0,
                fill: if diag {
                    "#d9dde3".to_owned()
                } else {
                    heat(f64::from(v), max, (200, 60, 40))
                },
                text: if v > 0 { v.to_string() } else { String::new() },
                title: if diag {
                    names[a].to_owned()
                } else {
                    format!("{} → {}: {v} calls", names[a], names[b])
                },
            });
        }
    }
    m
}

/// Services × tables: O owns, W writes, R reads.
pub fn ownership(
    p: &Proposal,
    tables: &[String],
    access: &BTreeMap<(String, String), char>,
) -> Matrix {
    let names: Vec<&str> = p.services.iter().map(|s| s.name.as_str()).collect();
    let cols: Vec<&str> = tables
        .iter()
        .map(|t| t.trim_start_matches("table:"))
        .collect();
    let mut m = matrix_frame(&names, &cols);
    for (a, s) in names.iter().enumerate() {
        for (b, t) in tables.iter().enumerate() {
            let mark = access.get(&((*s).to_owned(), t.clone())).copied();
            let (fill, text, what) = match mark {
                Some('O') => ("#2f6f4f", "O", "owns"),
                Some('W') => ("#d9822b", "W", "writes"),
                Some('R') => ("#9cc3e6", "R", "reads"),
                _ => ("#f6f7f9", "", "does not touch"),
            };
            m.cells.push(Cell {
                x: LABEL_SPACE + b as f64 * CELL,
                y: LABEL_SPACE + a as f64 * CELL,
                size: CELL - 2.0,
                fill: fill.to_owned(),
                text: text.to_owned(),
                title: format!("{s} {what} {}", cols[b]),
            });
        }
    }
    m
}

fn matrix_frame(rows: &[&str], cols: &[&str]) -> Matrix {
    let short = |s: &str| {
        if s.chars().count() > 20 {
            format!("{}…", s.chars().take(19).collect::<String>())
        } else {
            s.to_owned()
        }
    };
    Matrix {
        // Room on the right for the last slanted column label.
        width: LABEL_SPACE + cols.len() as f64 * CELL + 110.0,
        height: LABEL_SPACE + rows.len() as f64 * CELL + 10.0,
        cells: Vec::new(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| Label {
                x: LABEL_SPACE - 6.0,
                y: LABEL_SPACE + i as f64 * CELL + CELL * 0.62,
                text: short(r),
            })
            .collect(),
        cols: cols
            .iter()
            .enumerate()
            .map(|(i, c)| Label {
                x: LABEL_SPACE + i as f64 * CELL + CELL * 0.6,
                y: LABEL_SPACE - 6.0,
                text: short(c),
            })
            .collect(),
    }
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{CrossCall, Service, ServiceMetrics};

    fn svc(name: &str, lines: u32) -> Service {
        Service {
            name: name.into(),
            metrics: ServiceMetrics {
                lines,
                ..ServiceMetrics::default()
            },
            ..Service::default()
        }
    }

    #[test]
    fn the_map_is_deterministic_and_boxes_grow_with_code() {
        let p = Proposal {
            services: vec![svc("a", 100), svc("b", 10_000), svc("c", 1)],
            cross_service_calls: vec![CrossCall {
                from: "x".into(),
                to: "y".into(),
                from_service: "a".into(),
                to_service: "b".into(),
                kind: "calls".into(),
                count: 3,
                evidence: vec![],
            }],
            ..Proposal::default()
        };
        let m1 = service_map(&p);
        let m2 = service_map(&p);
        assert_eq!(format!("{m1:?}"), format!("{m2:?}"));
        assert!(m1.boxes[1].w > m1.boxes[0].w && m1.boxes[0].w > m1.boxes[2].w);
        assert_eq!(m1.arrows.len(), 1);
        // Boxes do not overlap.
        for (i, a) in m1.boxes.iter().enumerate() {
            for b in &m1.boxes[i + 1..] {
                let apart =
                    a.x + a.w < b.x || b.x + b.w < a.x || a.y + a.h < b.y || b.y + b.h < a.y;
                assert!(apart, "{} overlaps {}", a.name, b.name);
            }
        }
        let d = dsm(&p);
        assert_eq!(d.cells.len(), 9);
        assert_eq!(d.cells[1].text, "3", "row a, column b");
    }
}
