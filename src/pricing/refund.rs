//! The `items` of a refund (『交易退款-折價券模式』): each item's name is one
//! of the order's lines and the items sum to the refund's `cost`. Pure.

use mypay_link::lenient::{Int, Text};
use mypay_link::models::Item;

/// One line of the order as kept (products, then shipping).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundLine {
    pub product_id: String,
    pub name: String,
    pub unit_price: i64,
    pub quantity: i64,
    pub total: i64,
}

/// Why a partial refund's items are refused; `path` names the item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundLineError {
    pub path: String,
    pub message: String,
}

fn item(l: &RefundLine, total: i64) -> Item {
    let whole = total == l.total;
    Item {
        id: Text(l.product_id.clone()),
        name: l.name.clone(),
        cost: Some(Int(if whole { l.unit_price } else { total })),
        amount: Some(Int(if whole { l.quantity } else { 1 })),
        total: Some(Int(total)),
        image_url: None,
    }
}

/// The items of a refund of `cost` that takes the order's lines in order,
/// each whole while it fits, the rest from the next line: the names are
/// the order's and the sum is `cost` (the amount paid of a voucher order is
/// less than its lines, so its lines cannot all be listed whole). `None`
/// when `cost` is above the lines' sum or not positive.
pub fn full_refund_items(lines: &[RefundLine], cost: i64) -> Option<Vec<Item>> {
    let sum: i64 = lines.iter().map(|l| l.total).sum();
    if cost <= 0 || cost > sum {
        return None;
    }
    let mut left = cost;
    let mut out = Vec::new();
    for l in lines {
        if left == 0 {
            break;
        }
        let take = l.total.min(left);
        if take > 0 {
            out.push(item(l, take));
            left -= take;
        }
    }
    Some(out)
}

/// A partial refund as the admin asked it (`name`, `amount` per item):
/// every name is one of the order's lines, each amount is from 1 to that
/// line's total, a line at most once. Answers the items and their sum.
pub fn partial_refund_items(
    lines: &[RefundLine],
    asked: &[(String, i64)],
) -> Result<(Vec<Item>, i64), Vec<RefundLineError>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut sum: i64 = 0;
    if asked.is_empty() {
        problems.push(RefundLineError {
            path: "items".into(),
            message: "items lists at least one line to refund".into(),
        });
    }
    for (i, (name, amount)) in asked.iter().enumerate() {
        let Some(l) = lines.iter().find(|l| l.name == *name) else {
            problems.push(RefundLineError {
                path: format!("items[{i}].name"),
                message: format!(
                    "{name:?} is not a line of the order (names must match the order's lines)"
                ),
            });
            continue;
        };
        if seen.contains(&l.name.as_str()) {
            problems.push(RefundLineError {
                path: format!("items[{i}].name"),
                message: format!("{name:?} is listed twice"),
            });
            continue;
        }
        seen.push(&l.name);
        if *amount < 1 || *amount > l.total {
            problems.push(RefundLineError {
                path: format!("items[{i}].amount"),
                message: format!("amount is 1 to the line's total {}", l.total),
            });
            continue;
        }
        sum += amount;
        out.push(item(l, *amount));
    }
    if problems.is_empty() {
        Ok((out, sum))
    } else {
        Err(problems)
    }
}
