use super::*;

#[test]
fn offset_pages_skip_and_take() {
    let ids: Vec<u64> = (1..=10).collect();
    assert_eq!(offset_page(&ids, 0, 4).unwrap(), vec![1, 2, 3, 4]);
    assert_eq!(offset_page(&ids, 2, 4).unwrap(), vec![9, 10]);
    assert_eq!(offset_page(&ids, 3, 4).unwrap(), Vec::<u64>::new());
    assert_eq!(offset_page(&ids, usize::MAX, 4).unwrap(), Vec::<u64>::new());
    assert_eq!(offset_page(&ids, 0, 0), Err(PageError::ZeroLimit));
}

#[test]
fn keyset_pages_walk_the_whole_list_once() {
    let ids: Vec<u64> = (0..23).map(|i| i * 3 + 1).collect();
    let mut seen: Vec<u64> = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = keyset_page(&ids, after, 5).unwrap();
        assert!(page.items.len() <= 5);
        seen.extend(&page.items);
        pages += 1;
        match page.next {
            Some(next) => {
                assert_eq!(Some(&next), page.items.last());
                after = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(seen, ids);
    assert_eq!(pages, 5, "23 ids in pages of 5");
}

#[test]
fn after_need_not_be_in_the_list() {
    let ids = [10, 20, 30, 40, 50];
    let page = keyset_page(&ids, Some(25), 2).unwrap();
    assert_eq!(
        page,
        Page {
            items: vec![30, 40],
            next: Some(40)
        }
    );
    let page = keyset_page(&ids, Some(5), 10).unwrap();
    assert_eq!(
        page,
        Page {
            items: ids.to_vec(),
            next: None
        }
    );
    let page = keyset_page(&ids, Some(50), 3).unwrap();
    assert_eq!(
        page,
        Page {
            items: vec![],
            next: None
        }
    );
    let page = keyset_page(&ids, Some(u64::MAX), 3).unwrap();
    assert_eq!(
        page,
        Page {
            items: vec![],
            next: None
        }
    );
}

#[test]
fn the_last_full_page_has_no_next_and_bad_limits_are_errors() {
    let ids = [1, 2, 3, 4];
    assert_eq!(
        keyset_page(&ids, None, 4).unwrap(),
        Page {
            items: vec![1, 2, 3, 4],
            next: None
        }
    );
    assert_eq!(
        keyset_page(&ids, Some(2), 2).unwrap(),
        Page {
            items: vec![3, 4],
            next: None
        }
    );
    assert_eq!(
        keyset_page(&ids, None, 3).unwrap(),
        Page {
            items: vec![1, 2, 3],
            next: Some(3)
        }
    );
    assert_eq!(
        keyset_page(&[], None, 3).unwrap(),
        Page {
            items: vec![],
            next: None
        }
    );
    assert_eq!(keyset_page(&ids, None, 0), Err(PageError::ZeroLimit));
}

#[test]
fn rows_inserted_while_paging_do_not_repeat_with_keyset() {
    // A feed sorted by id; after the first page is shown, a row is inserted at the front
    // (a smaller id). OFFSET's second page now starts one row earlier and repeats a row;
    // keyset's second page starts after the last id shown.
    let mut ids: Vec<u64> = (10..20).collect();
    let first_offset = offset_page(&ids, 0, 5).unwrap();
    let first_keyset = keyset_page(&ids, None, 5).unwrap();
    ids.insert(0, 5);
    let second_offset = offset_page(&ids, 1, 5).unwrap();
    let second_keyset = keyset_page(&ids, first_keyset.next, 5).unwrap();
    assert!(
        second_offset.iter().any(|id| first_offset.contains(id)),
        "OFFSET repeats a row: {first_offset:?} then {second_offset:?}"
    );
    assert_eq!(second_keyset.items, vec![15, 16, 17, 18, 19]);
    assert!(
        second_keyset
            .items
            .iter()
            .all(|id| !first_keyset.items.contains(id))
    );
}
