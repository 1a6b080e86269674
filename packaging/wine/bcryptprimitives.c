/*
 * bcryptprimitives.c: the one export of Windows' bcryptprimitives.dll that
 * Go >= 1.22 loads at start (runtime: ProcessPrng), for Wine 8, which lacks
 * the DLL. Test-only: the Wine smoke tests (packaging/wine_test.go) build it
 * with mingw-w64 into a private WINEPREFIX; it is never shipped.
 *
 * ProcessPrng fills the buffer from the system RNG (RtlGenRandom, exported
 * by advapi32 as SystemFunction036, which Wine implements) and, like the
 * real one, always returns TRUE. RtlGenRandom takes a ULONG length, so large
 * requests are served in chunks.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst; (void)reason; (void)reserved;
	return TRUE;
}
