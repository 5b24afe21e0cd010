// Package scanunit decides which data files a read must scan and groups them
// into deterministic scan units.
//
// It has three parts, each usable on its own:
//
//   - ParseFilter turns the SQL boolean text of `deltaplan files --filter`
//     into a model.Pred.
//   - Pruner evaluates a model.Pred against a model.FileSet in three-valued
//     logic (cannot match, might match, must match) from partition values
//     and min/max/nullCount/numRecords statistics. It is sound: a file that
//     could hold a row for which the predicate is true is never dropped.
//   - Plan bin-packs the kept files into Units with content-derived ids,
//     exportable as JSON and as complete Substrait plans over LocalFiles
//     (Unit.Substrait, Exporter).
package scanunit
