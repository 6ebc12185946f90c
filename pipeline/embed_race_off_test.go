//go:build !race

package pipeline

// embedRows is the acceptance run's size: the 10,000 rows.
const embedRows = 10_000
