package scan

import (
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// skipRowGroup reports whether the filter cannot be TRUE on any row of the
// row group. Not yet used for skipping: it always reads (sound, slower).
func (e *evaluator) skipRowGroup(rg *metadata.RowGroupMetaData, m *pqarrow.SchemaManifest, fields []outField, src []int, mode string) bool {
	return false
}
