//go:build race

package pipeline

// raceDetector is true under -race, which makes tokenising, JSON and
// SQLite some twenty times slower: the scale tests then run fewer rows
// (every pattern they vary still appears hundreds of times), and their full
// size runs without -race.
const raceDetector = true
