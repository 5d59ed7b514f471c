// SmallVector<T, N>: a vector that keeps up to N elements inline and moves to
// the heap only beyond that. Just what VersionSet needs: append, index,
// iterate, clear, copy, move, compare. T must be nothrow-move-constructible.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace wharf::version::detail {

template <class T, std::size_t N>
class SmallVector {
  static_assert(N > 0);
  static_assert(std::is_nothrow_move_constructible_v<T>);

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  SmallVector(const SmallVector& other) {
    reserve(other.m_size);
    std::uninitialized_copy(other.begin(), other.end(), data());
    m_size = other.m_size;
  }
  SmallVector(SmallVector&& other) noexcept { take(std::move(other)); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) {
      clear();
      reserve(other.m_size);
      std::uninitialized_copy(other.begin(), other.end(), data());
      m_size = other.m_size;
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      destroy();
      take(std::move(other));
    }
    return *this;
  }
  ~SmallVector() { destroy(); }

  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  T* data() { return on_heap() ? m_heap : inline_data(); }
  const T* data() const { return on_heap() ? m_heap : inline_data(); }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[m_size - 1]; }
  const T& back() const { return data()[m_size - 1]; }
  T* begin() { return data(); }
  T* end() { return data() + m_size; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + m_size; }

  void reserve(std::size_t capacity) {
    if (capacity <= m_capacity) return;
    std::size_t new_capacity = std::max(capacity, m_capacity * 2);
    T* fresh =
        static_cast<T*>(::operator new (new_capacity * sizeof(T), std::align_val_t{alignof(T)}));
    T* old = data();
    for (std::size_t i = 0; i < m_size; ++i) {
      ::new (fresh + i) T(std::move(old[i]));
      old[i].~T();
    }
    release_heap();
    m_heap = fresh;
    m_capacity = new_capacity;
  }

  template <class... Args>
  T& emplace_back(Args&&... args) {
    if (m_size == m_capacity) {
      // Build first: args may refer to an element that reserve() moves.
      T value(std::forward<Args>(args)...);
      reserve(m_size + 1);
      ::new (data() + m_size) T(std::move(value));
    } else {
      ::new (data() + m_size) T(std::forward<Args>(args)...);
    }
    return data()[m_size++];
  }
  void push_back(const T& value) { emplace_back(value); }
  void push_back(T&& value) { emplace_back(std::move(value)); }
  void pop_back() { data()[--m_size].~T(); }

  void clear() {
    std::destroy(begin(), end());
    m_size = 0;
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  T* inline_data() { return std::launder(reinterpret_cast<T*>(m_inline)); }
  const T* inline_data() const { return std::launder(reinterpret_cast<const T*>(m_inline)); }
  bool on_heap() const { return m_capacity > N; }
  void release_heap() {
    if (on_heap()) ::operator delete (m_heap, std::align_val_t{alignof(T)});
    m_heap = nullptr;
  }
  void destroy() {
    clear();
    release_heap();
    m_capacity = N;
  }
  // Requires *this to be empty and inline.
  void take(SmallVector&& other) noexcept {
    if (other.on_heap()) {
      m_heap = other.m_heap;
      m_capacity = other.m_capacity;
      m_size = other.m_size;
      other.m_heap = nullptr;
      other.m_capacity = N;
      other.m_size = 0;
      return;
    }
    m_capacity = N;
    T* source = other.inline_data();
    for (std::size_t i = 0; i < other.m_size; ++i) ::new (inline_data() + i) T(std::move(source[i]));
    m_size = other.m_size;
    other.clear();
  }

  alignas(T) unsigned char m_inline[N * sizeof(T)];
  // No pointer into the object itself: the inline buffer is addressed on use,
  // so the object stays valid however the compiler moves its bytes.
  T* m_heap = nullptr;
  std::size_t m_size = 0;
  std::size_t m_capacity = N;
};

}  // namespace wharf::version::detail
