"""An asyncio loop beside threads: two threads hand results to the loop with
call_soon_threadsafe (a write to the loop's wake-up socket while it waits in epoll_wait), and a
job runs on the loop's default thread pool. Exits 0 when every result arrived."""
import asyncio
import threading


async def main():
    loop = asyncio.get_running_loop()
    futures = [loop.create_future() for _ in range(2)]

    def work(i):
        loop.call_soon_threadsafe(futures[i].set_result, i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    assert await asyncio.gather(*futures) == [0, 1]
    assert await loop.run_in_executor(None, sum, [1, 2]) == 3
    for t in threads:
        t.join()


asyncio.run(main())
