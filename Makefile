# Một Cửa Edge build entry points. `make package` builds every package into
# dist/ (see packaging/build.sh for what and how).
.PHONY: all build test package package-deb package-windows clean

all: build

build:
	go build ./cmd/...

test:
	bash scripts/test.sh

package:
	bash packaging/build.sh

package-deb:
	TARGETS="linux deb" bash packaging/build.sh

package-windows:
	TARGETS=windows bash packaging/build.sh

clean:
	rm -rf dist
