// Package layers holds the test that keeps the module's import graph the shape ARCHITECTURE.md
// describes: each package imports only packages of its own layer or below, the domain imports no
// other package of the module, and the stores know nothing of the domain.
package layers
