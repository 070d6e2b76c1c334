//! Objects that hang off one table (indexes, foreign keys, policies), grouped by table.
//!
//! A statement that drops, renames or moves a table, drops one of its columns or constraints,
//! or drops one of its policies touches that table's objects only, so linting a history of
//! 14,000 migrations with hundreds of `DROP POLICY IF EXISTS` stays linear in its length. The
//! table's name is the group's key, held once: the objects do not repeat it.

use std::collections::BTreeMap;

use super::QualName;

/// Objects grouped by the table they belong to; each table's objects in creation order.
#[derive(Debug, Clone)]
pub struct ByTable<T> {
    groups: BTreeMap<QualName, Vec<T>>,
}

impl<T> Default for ByTable<T> {
    fn default() -> Self {
        ByTable {
            groups: BTreeMap::new(),
        }
    }
}

impl<T> ByTable<T> {
    /// Adds `item` after the other objects of `table`.
    pub fn push(&mut self, table: &QualName, item: T) {
        let group = match self.groups.get_mut(table) {
            Some(group) => group,
            None => self.groups.entry(table.clone()).or_default(),
        };
        // Most tables have one to three of each: a group grows one at a time up to four (a
        // vector's first growth is to four, which for 100-byte items was most of the memory
        // of linting 5,600 migrations), then doubles.
        if group.len() == group.capacity() && group.len() < 4 {
            group.reserve_exact(1);
        }
        group.push(item);
    }

    /// Every object with its table: table by table in name order, each table's in creation
    /// order.
    pub fn iter(&self) -> impl Iterator<Item = (&QualName, &T)> {
        self.groups
            .iter()
            .flat_map(|(table, items)| items.iter().map(move |item| (table, item)))
    }

    /// The objects of `table`, in creation order.
    pub fn of(&self, table: &QualName) -> &[T] {
        self.groups.get(table).map_or(&[], Vec::as_slice)
    }

    /// Runs `edit` on the objects of `table` (nothing when it has none).
    pub fn edit(&mut self, table: &QualName, edit: impl FnOnce(&mut Vec<T>)) {
        if let Some(group) = self.groups.get_mut(table) {
            edit(group);
            if group.is_empty() {
                self.groups.remove(table);
            }
        }
    }

    /// Removes the objects of `table`, returning them.
    pub fn remove(&mut self, table: &QualName) -> Vec<T> {
        self.groups.remove(table).unwrap_or_default()
    }

    /// Moves the objects of `from` to `to`, after those `to` already has.
    pub fn move_table(&mut self, from: &QualName, to: &QualName) {
        let items = self.remove(from);
        if items.is_empty() {
            return;
        }
        self.groups.entry(to.clone()).or_default().extend(items);
    }

    /// How many objects there are.
    pub fn len(&self) -> usize {
        self.groups.values().map(Vec::len).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(schema: &str, table: &str) -> QualName {
        (schema.into(), table.into())
    }

    #[test]
    fn a_group_grows_one_at_a_time_up_to_four_then_doubles() {
        let mut items = ByTable::default();
        let capacities: Vec<usize> = (0..5)
            .map(|n: u8| {
                items.push(&name("s", "t"), n);
                items.groups[&name("s", "t")].capacity()
            })
            .collect();
        assert_eq!(capacities, [1, 2, 3, 4, 8]);
    }

    #[test]
    fn groups_keep_creation_order_and_follow_moves() {
        let mut items = ByTable::default();
        for (table, n) in [("b", 1u8), ("a", 2), ("b", 3)] {
            items.push(&name("s", table), n);
        }
        assert_eq!(items.of(&name("s", "b")), [1, 3]);
        let all: Vec<(QualName, u8)> = items.iter().map(|(t, n)| (t.clone(), *n)).collect();
        assert_eq!(
            all,
            [
                (name("s", "a"), 2),
                (name("s", "b"), 1),
                (name("s", "b"), 3)
            ]
        );
        items.move_table(&name("s", "b"), &name("t", "a"));
        assert!(items.of(&name("s", "b")).is_empty());
        assert_eq!(items.of(&name("t", "a")), [1, 3]);
        items.edit(&name("t", "a"), |group| group.retain(|n| *n != 1));
        assert_eq!(items.len(), 2);
        assert_eq!(items.remove(&name("s", "a")), [2]);
        items.edit(&name("t", "a"), Vec::clear);
        assert!(items.is_empty());
    }
}
