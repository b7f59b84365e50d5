#!/usr/bin/env bash
# Установка на новой машине: Chromium из Debian (для браузерных тестов и PDF-отчёта; браузер
# никогда не скачивается npm-пакетами) и зависимости npm строго по package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  echo "Устанавливаю Chromium и poppler-utils из пакетов Debian…"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null
fi

npm ci --no-audit --no-fund
echo "Готово. Запуск: npm start — затем откройте http://localhost:3000/"
