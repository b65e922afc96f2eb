/* A stand-in kernel driver (GlobalSecureAccessDriver) for the Wine scenarios: it loads and does
 * nothing, so that the Service Control Manager reports a running driver of that name.
 *
 * Build: x86_64-w64-mingw32-gcc -O2 -shared -nostdlib -Wl,--subsystem,native \
 *          -Wl,--entry,DriverEntry -o driver.sys driver.c -lntoskrnl
 */
#include <ddk/wdm.h>

static void NTAPI unload(PDRIVER_OBJECT driver) { (void)driver; }

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT driver, PUNICODE_STRING registry_path)
{
    (void)registry_path;
    driver->DriverUnload = unload;
    return STATUS_SUCCESS;
}
