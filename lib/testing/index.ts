export { createMockWeChat } from './emulator.js';
export type {
  FaultKind,
  MockApp,
  MockAppOptions,
  MockClient,
  MockUser,
  MockUserOptions,
  MockWeChat,
  MockWeChatOptions,
} from './types.js';
