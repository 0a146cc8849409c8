; Inno Setup 6 script: the Windows installer of the Samen client (x64).
; Needs Inno Setup 6.3 or later (for the x64compatible architecture identifier).
;
; Input: dist\samen\ from installers\samen.spec (samen.exe, samen-cli.exe, _internal\).
; Output: dist\samen-<version>-windows-x64-setup.exe.
; Build with installers\windows\build-windows.ps1, or by hand from the repository root:
;   iscc /DAppVersion=0.1.0 installers\windows\samen.iss
; Signing: define a sign tool named "samen" on iscc's command line and pass /DSign (the build
; script does both when SAMEN_SIGN_CERT is set). Inno then signs the setup, its uninstaller and
; the temporary copies Setup makes of itself, which signing the finished .exe afterwards cannot.
;
; Installs for the current user by default (no administrator needed, into
; %LOCALAPPDATA%\Programs\Samen); the first page offers "for all users" (Program Files, UAC).
; Learners' data lives elsewhere, in %LOCALAPPDATA%\Samen (platformdirs' user_data_dir for
; "Samen" without an author folder), and their login token in the Credential Locker: neither is
; installed by this script, so uninstalling never removes them.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=x.y.z installers\windows\samen.iss
#endif
#define AppId "org.samen.Samen"
#define Root AddBackslash(SourcePath) + "..\.."

[Setup]
; AppId names the uninstall registry key; it must never change, or upgrades install side by side.
AppId={#AppId}
AppName=Samen
AppVersion={#AppVersion}
AppVerName=Samen {#AppVersion}
AppPublisher=The Samen developers
AppPublisherURL=https://samen.example.org/
AppCopyright=The Samen developers, EUPL-1.2
VersionInfoProductName=Samen
VersionInfoCompany=The Samen developers
DefaultDirName={autopf}\Samen
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; The bundle is 64-bit Python and Qt 6, which needs Windows 10 or later.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
WizardStyle=modern
ShowLanguageDialog=auto
SetupIconFile={#Root}\installers\windows\samen.ico
UninstallDisplayIcon={app}\samen.exe
UninstallDisplayName=Samen
OutputDir={#Root}\dist
OutputBaseFilename=samen-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
; A running Samen holds its DLLs open: ask to close it (Restart Manager) before replacing files.
CloseApplications=yes
RestartApplications=no
#ifdef Sign
SignTool=samen
SignedUninstaller=yes
#endif

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "nl"; MessagesFile: "compiler:Languages\Dutch.isl"

[CustomMessages]
en.SelfTest=Check that Samen works on this computer (plays a short sound)
nl.SelfTest=Controleren of Samen werkt op deze computer (speelt een kort geluid af)
en.SelfTestFailed=Samen is installed, but its self-test found a problem. Open a Command Prompt and run:%n%n"%1" --selftest%n%nto see which part failed.
nl.SelfTestFailed=Samen staat nu op deze computer, maar de zelftest vond een probleem. Open een opdrachtprompt en voer uit:%n%n"%1" --selftest%n%nom te zien wat er misging.
en.ShortcutComment=Learn offline, at your own pace, and still together
nl.ShortcutComment=Leer offline, in je eigen tempo, en toch samen

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
; Only for per-user installs: in all-users mode Setup may run as another (administrator)
; account, whose keyring is not the learner's.
Name: "selftest"; Description: "{cm:SelfTest}"; Check: not IsAdminInstallMode

[InstallDelete]
; An upgrade replaces the whole bundle: files a previous version had and this one dropped must
; not linger next to the new Python and Qt libraries.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Root}\dist\samen\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; The same AppUserModelID the app claims at start (desktop/app.py), so its taskbar button and a
; pinned shortcut are one.
Name: "{autoprograms}\Samen"; Filename: "{app}\samen.exe"; Comment: "{cm:ShortcutComment}"; AppUserModelID: "{#AppId}"
Name: "{autodesktop}\Samen"; Filename: "{app}\samen.exe"; Comment: "{cm:ShortcutComment}"; AppUserModelID: "{#AppId}"; Tasks: desktopicon

[Run]
; postinstall entries run as the user who started Setup, not as the elevated account.
Filename: "{app}\samen.exe"; Description: "{cm:LaunchProgram,Samen}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete]: the uninstaller removes only what Setup installed. %LOCALAPPDATA%\Samen
; (courses, work not yet sent, settings, logs) stays, so a reinstall picks up where the learner was.

[Code]
{ The self-test runs samen-cli.exe (the console build, whose output can be captured) with a
  scratch data folder, so installing creates no learner data. Its report goes to Setup's log
  (/LOG=file); a failure is shown unless Setup runs with /SUPPRESSMSGBOXES. }
procedure RunSelfTest;
var
  Cli, Scratch, Report, Params: String;
  Lines: TArrayOfString;
  ResultCode, I: Integer;
begin
  Cli := ExpandConstant('{app}\samen-cli.exe');
  Scratch := ExpandConstant('{tmp}\selftest-data');
  Report := ExpandConstant('{tmp}\selftest.txt');
  { cmd /c strips the outer pair of quotes, so every path keeps its own. }
  Params := '/c ""' + Cli + '" --data-dir "' + Scratch + '" --selftest > "' + Report + '" 2>&1"';
  if not Exec(ExpandConstant('{cmd}'), Params, '', SW_HIDE, ewWaitUntilTerminated, ResultCode) then
  begin
    Log('Self-test could not start: ' + SysErrorMessage(ResultCode));
    Exit;
  end;
  if LoadStringsFromFile(Report, Lines) then
    for I := 0 to GetArrayLength(Lines) - 1 do
      Log('Self-test: ' + Lines[I]);
  Log(Format('Self-test exit code: %d', [ResultCode]));
  if ResultCode <> 0 then
    SuppressibleMsgBox(FmtMessage(CustomMessage('SelfTestFailed'), [Cli]), mbInformation, MB_OK, IDOK);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if (CurStep = ssPostInstall) and WizardIsTaskSelected('selftest') then
    RunSelfTest;
end;
