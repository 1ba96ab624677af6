export { deadLetters, inbox, outbox } from "@edge-saga/shared";
