use super::*;

fn pay(id: u64, amount: i64) -> Payment {
    Payment { id, amount }
}

#[test]
fn a_redelivered_payment_is_applied_once() {
    let mut a = Account::new();
    assert_eq!(a.apply(pay(0, 30_000)), Applied::Applied);
    assert_eq!(a.apply(pay(0, 30_000)), Applied::Duplicate);
    assert_eq!(a.apply(pay(0, 30_000)), Applied::Duplicate);
    assert_eq!(a.balance(), 30_000);
    assert_eq!((a.watermark(), a.remembered()), (1, 0));
}

#[test]
fn duplicates_and_reordering_give_the_exact_balance() {
    // 500 payments, each delivered one to three times, in a scrambled order.
    let n = 500u64;
    let amount = |id: u64| (id as i64 % 7 - 3) * 1_000; // refunds too
    let mut deliveries: Vec<u64> = (0..n).chain((0..n).filter(|i| i % 3 == 0)).collect();
    deliveries.extend((0..n).filter(|i| i % 11 == 0));
    let mut state = 12345u64;
    for i in (1..deliveries.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        deliveries.swap(i, (state >> 33) as usize % (i + 1));
    }
    let mut a = Account::new();
    let mut applied = 0;
    for &id in &deliveries {
        if a.apply(pay(id, amount(id))) == Applied::Applied {
            applied += 1;
        }
    }
    assert_eq!(applied, n);
    assert_eq!(a.balance(), (0..n).map(amount).sum::<i64>());
    assert_eq!((a.watermark(), a.remembered()), (n, 0));
}

#[test]
fn memory_holds_only_the_ids_beyond_a_gap() {
    let mut a = Account::new();
    for id in 0..1_000 {
        a.apply(pay(id, 1));
        assert_eq!(
            a.remembered(),
            0,
            "in order, nothing is remembered one by one"
        );
    }
    assert_eq!(a.watermark(), 1_000);
    // 1000 is late: 1001..=1003 wait beyond the gap.
    for id in 1_001..=1_003 {
        a.apply(pay(id, 1));
    }
    assert_eq!((a.watermark(), a.remembered()), (1_000, 3));
    a.apply(pay(1_000, 1));
    assert_eq!((a.watermark(), a.remembered()), (1_004, 0));
    assert_eq!(a.balance(), 1_004);
}

#[test]
fn old_ids_below_the_watermark_are_duplicates() {
    let mut a = Account::new();
    for id in 0..10 {
        a.apply(pay(id, 100));
    }
    assert_eq!(a.apply(pay(5, 100)), Applied::Duplicate);
    assert_eq!(a.apply(pay(0, -999)), Applied::Duplicate);
    assert_eq!(a.balance(), 1_000);
}

#[test]
fn zero_amounts_still_count_and_a_new_account_is_empty() {
    let a = Account::new();
    assert_eq!((a.balance(), a.watermark(), a.remembered()), (0, 0, 0));
    let mut a = a;
    assert_eq!(a.apply(pay(1, 0)), Applied::Applied);
    assert_eq!(a.apply(pay(1, 0)), Applied::Duplicate);
    assert_eq!((a.watermark(), a.remembered()), (0, 1));
    assert_eq!(a.apply(pay(0, -50)), Applied::Applied);
    assert_eq!((a.balance(), a.watermark(), a.remembered()), (-50, 2, 0));
}
