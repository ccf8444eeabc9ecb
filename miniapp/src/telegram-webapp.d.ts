// The part of Telegram's WebApp object (https://core.telegram.org/bots/webapps) the app uses.
interface TelegramThemeParams { [name: string]: string | undefined }
interface TelegramInsets { top: number; bottom: number; left: number; right: number }
interface TelegramButton {
  show(): void; hide(): void; onClick(cb: () => void): void; offClick(cb: () => void): void;
  setText?(text: string): void; setParams?(p: { text?: string; is_active?: boolean; is_visible?: boolean }): void;
  enable?(): void; disable?(): void;
}
interface TelegramWebApp {
  initData: string;
  initDataUnsafe?: { start_param?: string; user?: { id: number } };
  platform?: string;
  version?: string;
  colorScheme?: "light" | "dark";
  themeParams?: TelegramThemeParams;
  safeAreaInset?: TelegramInsets;
  contentSafeAreaInset?: TelegramInsets;
  ready(): void;
  expand(): void;
  onEvent(name: string, cb: () => void): void;
  offEvent?(name: string, cb: () => void): void;
  disableVerticalSwipes?(): void;
  enableVerticalSwipes?(): void;
  openTelegramLink?(url: string): void;
  BackButton?: TelegramButton;
  MainButton?: TelegramButton;
  HapticFeedback?: { impactOccurred(style: string): void; selectionChanged(): void; notificationOccurred(t: string): void };
  CloudStorage?: {
    getItem(key: string, cb: (error: string | null, value?: string) => void): void;
    setItem(key: string, value: string, cb?: (error: string | null, ok?: boolean) => void): void;
  };
}
interface Window { Telegram?: { WebApp?: TelegramWebApp }; TelegramWebviewProxy?: unknown }
