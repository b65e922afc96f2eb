/* Wine 8 (Debian 12) has no bcryptprimitives.dll, which Rust's standard library imports for
 * random numbers (ProcessPrng). This stand-in is copied into the Wine prefix's system32 by the
 * Wine scenarios (never into the MSI: Windows has the real one). See CONTRIBUTING.md, "The Windows build".
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcrypt_shim.c -ladvapi32
 */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    return RtlGenRandom(data, (ULONG)len);
}
