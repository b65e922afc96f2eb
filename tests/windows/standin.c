/* A stand-in for a vendor's Windows process or service, for the Wine scenarios.
 *
 * Copied under a vendor's executable name (PanGPS.exe, GlobalSecureAccessTunnelingService.exe,
 * ...), it runs until killed, so that the process table shows that name. Options:
 *   --listen IP:PORT    listen on TCP IP:PORT (the kernel completes handshakes from its backlog)
 *   --connect IP:PORT   open a TCP connection to IP:PORT and keep it (non-blocking: a peer that
 *                       never answers leaves it in SYN_SENT, which is still listed)
 * --listen and --connect may be repeated (up to 8 each); listeners are opened first.
 * Started by the Service Control Manager (sc start), it registers as a service and reports
 * SERVICE_RUNNING once its sockets are open (StartService waits for that); started directly,
 * it runs as a plain program and prints "ready" on stdout once its sockets are open. Either
 * way the test waits on that signal, never on time.
 *
 * Build: x86_64-w64-mingw32-gcc -O2 -o standin.exe standin.c -lws2_32
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define MAX_ENDPOINTS 8
static const char *listen_at[MAX_ENDPOINTS], *connect_to[MAX_ENDPOINTS];
static int listens, connects;
static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;

static int parse_endpoint(const char *text, struct sockaddr_in *out)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    if (!colon || colon - text >= (int)sizeof host) return 0;
    memcpy(host, text, colon - text);
    host[colon - text] = 0;
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons((unsigned short)atoi(colon + 1));
    return inet_pton(AF_INET, host, &out->sin_addr) == 1;
}

static int work(void)
{
    WSADATA wsa;
    struct sockaddr_in addr;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return 1;
    for (int i = 0; i < listens; i++) {
        SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (s == INVALID_SOCKET || !parse_endpoint(listen_at[i], &addr) ||
            bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, 16) != 0) {
            fprintf(stderr, "standin: cannot listen on %s (%d)\n", listen_at[i], WSAGetLastError());
            return 1;
        }
    }
    for (int i = 0; i < connects; i++) {
        u_long nonblocking = 1;
        SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (s == INVALID_SOCKET || !parse_endpoint(connect_to[i], &addr)) {
            fprintf(stderr, "standin: bad --connect %s\n", connect_to[i]);
            return 1;
        }
        ioctlsocket(s, FIONBIO, &nonblocking);
        if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0 &&
            WSAGetLastError() != WSAEWOULDBLOCK) {
            fprintf(stderr, "standin: cannot connect to %s (%d)\n", connect_to[i], WSAGetLastError());
            return 1;
        }
    }
    return 0;
}

static DWORD WINAPI control(DWORD code, DWORD type, void *data, void *context)
{
    (void)type; (void)data; (void)context;
    if (code == SERVICE_CONTROL_STOP || code == SERVICE_CONTROL_SHUTDOWN) {
        SetEvent(stop_event);
        return NO_ERROR;
    }
    return code == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv)
{
    (void)argc;
    status_handle = RegisterServiceCtrlHandlerExW(argv[0], control, NULL);
    if (!status_handle) return;
    status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    status.dwCurrentState = SERVICE_RUNNING;
    status.dwControlsAccepted = SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN;
    status.dwWin32ExitCode = work() == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
    if (status.dwWin32ExitCode != NO_ERROR) {
        status.dwCurrentState = SERVICE_STOPPED;
        SetServiceStatus(status_handle, &status);
        return;
    }
    SetServiceStatus(status_handle, &status);
    WaitForSingleObject(stop_event, INFINITE);
    status.dwCurrentState = SERVICE_STOPPED;
    SetServiceStatus(status_handle, &status);
}

int main(int argc, char **argv)
{
    static WCHAR any_name[] = L"";
    SERVICE_TABLE_ENTRYW table[] = {{any_name, service_main}, {NULL, NULL}};
    if (argc % 2 == 0) {
        fprintf(stderr, "standin: %s needs a value\n", argv[argc - 1]);
        return 2;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--listen") && listens < MAX_ENDPOINTS) listen_at[listens++] = argv[i + 1];
        else if (!strcmp(argv[i], "--connect") && connects < MAX_ENDPOINTS) connect_to[connects++] = argv[i + 1];
        else { fprintf(stderr, "standin: unknown or repeated too often: %s\n", argv[i]); return 2; }
    }
    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (StartServiceCtrlDispatcherW(table)) return 0;
    if (GetLastError() != ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) return 1;
    if (work() != 0) return 1;
    printf("ready\n");
    fflush(stdout);
    WaitForSingleObject(stop_event, INFINITE);
    return 0;
}
