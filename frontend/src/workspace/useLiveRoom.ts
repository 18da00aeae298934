/**
 * The model's live room for the workspace (`core/live.ts`): opened with the workspace, left when
 * it closes. Each diagram session is attached to it when made (useDiagramSessions), so its
 * batches go through the room and everyone's edits reach it; a catch-up from the log asks the
 * threat list for what changed since (`onCatchUp`).
 */
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react'
import { LiveRoom, roomUrl, type RoomSnapshot, type SocketLike } from '../core/live'

export function useLiveRoom(modelId: number, onCatchUp: () => void): LiveRoom {
  const catchUp = useRef(onCatchUp)
  catchUp.current = onCatchUp
  const room = useMemo(
    () =>
      new LiveRoom({
        url: roomUrl(window.location, modelId),
        open: (url) => new WebSocket(url) as unknown as SocketLike,
        onCatchUp: () => catchUp.current(),
      }),
    [modelId],
  )
  useEffect(() => {
    room.connect()
    return () => room.stop()
  }, [room])
  return room
}

export function useRoomSnapshot(room: LiveRoom): RoomSnapshot {
  return useSyncExternalStore(room.subscribe, room.getSnapshot)
}
