// Package packaging holds the packaging recipes of Một Cửa Edge (build.sh,
// the Debian package files, the Windows zip, the kiosk session recipe) and
// the tests that build the .deb, install it into a scratch root and check
// what it installs, plus the service start-up benchmark.
package packaging
