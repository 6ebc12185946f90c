//go:build race

package pipeline

// embedRows is the acceptance run's size: 2,000 rows under -race, whose
// tenfold slowdown would make 10,000 take minutes.
const embedRows = 2_000
